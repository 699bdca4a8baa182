package dev.flinkembed.operators.embedding;

import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.Serializable;

/**
 * The async embedding operator's settings: the model, when a slot's micro-batcher flushes (pending tokens or the
 * oldest chunk's wait), and the Flink async queue (capacity per slot, timeout per chunk).
 */
public record EmbeddingOptions(ModelOptions model, long flushTokens, long maxWaitMillis, int capacity,
                               long timeoutMillis) implements Serializable {
}
