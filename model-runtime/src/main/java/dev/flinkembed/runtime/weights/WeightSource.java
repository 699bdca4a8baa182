package dev.flinkembed.runtime.weights;

import java.util.Set;

/** Named tensors of one checkpoint, whatever the file format. */
public interface WeightSource {

    Set<String> names();

    /** The tensor, or an {@link IllegalArgumentException} naming the checkpoint and the missing tensor. */
    Tensor get(String name);

    boolean contains(String name);

    /**
     * The tensor's bytes as stored (BF16 and F16 not widened) and its shape, for hashing without converting
     * gigabytes of weights. Defaults to the float32 tensor.
     */
    default Tensor stored(String name) {
        return get(name);
    }

    /**
     * Whether {@link #get} hands out the same buffer each time (kept by the source, which may be asked again) rather
     * than a new one: a caller must then never free it.
     */
    default boolean keepsBuffers() {
        return false;
    }

    /**
     * One row of a 2-d tensor as float32: a reranker reads two rows of a vocabulary-sized head without widening the
     * whole matrix (2.5 GB for Qwen3-8B's lm_head).
     */
    default float[] row(String name, long row) {
        Tensor t = get(name);
        int width = (int) t.shape()[1];
        float[] out = new float[width];
        t.data()
                .duplicate()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get((int) (row * width), out);
        return out;
    }

    /** Where the weights came from, for error messages. */
    String origin();
}
