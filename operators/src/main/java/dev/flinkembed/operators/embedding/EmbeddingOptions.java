package dev.flinkembed.operators.embedding;

import dev.flinkembed.runtime.golden.GoldenVectors;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.remote.RemoteOptions;
import java.io.Serializable;

/**
 * The async embedding operator's settings: the model, when a slot's micro-batcher flushes (pending tokens or the
 * oldest chunk's wait), and the Flink async queue (capacity per slot, timeout per chunk); with {@code remote} set, the
 * vectors come from a server instead of the in-process model.
 */
public record EmbeddingOptions(
        ModelOptions model,
        long flushTokens,
        long maxWaitMillis,
        int capacity,
        long timeoutMillis,
        RemoteOptions remote,
        GoldenVectors golden)
        implements Serializable {

    /** Vectors come from an OpenAI-compatible server; {@code model} then only names the tokenizer. */
    public boolean isRemote() {
        return remote != null;
    }
}
