package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.runtime.batching.BatchPlanner;
import dev.flinkembed.runtime.loading.ModelLoader;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Pooling;

/** Typed option objects for the operators, built from a validated configuration with the cross-key checks. */
public final class Settings {

    private Settings() {
    }

    public static ModelOptions model(JobConfig c) {
        String name = c.get(JobOptions.MODEL_NAME);
        int hidden;
        try {
            hidden = ModelLoader.hiddenSize(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("configuration key 'model.name': " + e.getMessage());
        }
        Integer dims = c.get(JobOptions.MODEL_DIMENSIONS);
        if (dims != null && dims > hidden) {
            throw ConfigException.badValue("model.dimensions", dims.toString(), "accepted for " + name + ": 1.."
                    + hidden + " (its hidden size)");
        }
        String pooling = c.get(JobOptions.MODEL_POOLING);
        return new ModelOptions(name, pooling == null ? null : Pooling.parse(pooling), c.get(JobOptions.MODEL_NORMALIZE),
                c.get(JobOptions.MODEL_MAX_TOKENS), c.get(JobOptions.MODEL_DIMENSIONS),
                c.get(JobOptions.MODEL_QUERY_PREFIX), c.get(JobOptions.MODEL_DOCUMENT_PREFIX),
                c.get(JobOptions.MODEL_INSTRUCTION), c.get(JobOptions.MODEL_FLOAT16), BatchPlanner.Strategy.TOKEN_BUDGET, c.get(JobOptions.BATCH_TOKEN_BUDGET),
                c.get(JobOptions.BATCH_MAX_SIZE));
    }

    public static EmbeddingOptions embedding(JobConfig c) {
        int capacity = c.get(JobOptions.EMBED_CAPACITY);
        int maxSize = c.get(JobOptions.BATCH_MAX_SIZE);
        if (capacity <= maxSize) {
            throw new ConfigException("configuration key 'embed.capacity': value '" + capacity
                    + "' must exceed batch.max-size (" + maxSize + "), or batches could never fill");
        }
        return new EmbeddingOptions(model(c), c.get(JobOptions.BATCH_FLUSH_TOKENS), c.get(JobOptions.BATCH_MAX_WAIT),
                capacity, c.get(JobOptions.EMBED_TIMEOUT));
    }

    public static ChunkingOptions chunking(JobConfig c) {
        Integer max = c.get(JobOptions.CHUNK_MAX_TOKENS);
        Integer modelMax = c.get(JobOptions.MODEL_MAX_TOKENS);
        if (max != null && modelMax != null && max > modelMax) {
            throw new ConfigException("configuration key 'chunking.max-tokens': value '" + max
                    + "' exceeds model.max-tokens (" + modelMax + ")");
        }
        int overlap = c.get(JobOptions.CHUNK_OVERLAP);
        if (max != null && overlap >= max / 2) {
            throw new ConfigException("configuration key 'chunking.overlap-tokens': value '" + overlap
                    + "' must be below half of chunking.max-tokens (" + max + ")");
        }
        return new ChunkingOptions(max, overlap, c.get(JobOptions.CHUNK_INCLUDE_TITLE));
    }
}
