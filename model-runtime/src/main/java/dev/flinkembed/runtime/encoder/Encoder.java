package dev.flinkembed.runtime.encoder;

import dev.flinkembed.runtime.batching.PaddedBatch;
import dev.flinkembed.runtime.pooling.Pooling;

/**
 * A transformer's forward pass over a padded batch, returning one pooled hidden state per row (not normalised). Holds
 * the weights; shared by every model instance of the same model in the JVM, so {@link #encode} must be safe to call
 * from several threads at once (it only reads the weights).
 */
public interface Encoder extends AutoCloseable {

    float[][] encode(PaddedBatch batch, Pooling pooling);

    int hiddenSize();

    /** NDArrays alive in the encoder's manager and its sub-managers: constant between calls, or memory leaks. */
    int liveArrays();

    /** Bytes of weights held off-heap. */
    long weightBytes();

    @Override
    void close();
}
