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

    /** Where the weights came from, for error messages. */
    String origin();
}
