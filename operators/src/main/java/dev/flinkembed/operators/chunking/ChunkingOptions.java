package dev.flinkembed.operators.chunking;

import java.io.Serializable;

/**
 * Chunk size and overlap in model tokens. {@code maxTokens} null means the model's own limit; the title, when there is
 * one and {@code includeTitle} is set, is written before each chunk and counts against the limit.
 */
public record ChunkingOptions(Integer maxTokens, int overlapTokens, boolean includeTitle) implements Serializable {

    public static final ChunkingOptions DEFAULT = new ChunkingOptions(null, 32, true);
}
