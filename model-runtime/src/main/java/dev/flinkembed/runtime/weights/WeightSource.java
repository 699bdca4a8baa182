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

    /** Where the weights came from, for error messages. */
    String origin();
}
