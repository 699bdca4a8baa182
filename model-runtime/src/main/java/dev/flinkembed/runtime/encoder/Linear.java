package dev.flinkembed.runtime.encoder;

import ai.djl.ndarray.NDArray;

/** One linear layer, {@code x · Wᵀ + b} over rows [n, in] → [n, out], in the precision the model runs in. */
public interface Linear {

    NDArray apply(NDArray x);

    /** Bytes of weights the layer holds. */
    long bytes();
}
