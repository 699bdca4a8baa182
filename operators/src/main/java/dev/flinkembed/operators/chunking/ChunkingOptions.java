package dev.flinkembed.operators.chunking;

import java.io.Serializable;

/**
 * Chunk size and overlap in model tokens. {@code maxTokens} null means the model's own limit; the title, when there is
 * one and {@code includeTitle} is set, is written before each chunk and counts against the limit. A document longer
 * than {@code maxDocumentChars} is not chunked: it goes to the dead letters with the reason.
 */
public record ChunkingOptions(Integer maxTokens, int overlapTokens, boolean includeTitle, long maxDocumentChars)
        implements Serializable {

    /** 4 million characters: a long novel (War and Peace has 3.2 million), about a million tokens. */
    public static final long DEFAULT_MAX_DOCUMENT_CHARS = 4_000_000;

    public static final int DEFAULT_OVERLAP_TOKENS = 32;
    public static final ChunkingOptions DEFAULT =
            new ChunkingOptions(null, DEFAULT_OVERLAP_TOKENS, true, DEFAULT_MAX_DOCUMENT_CHARS);

    public ChunkingOptions(Integer maxTokens, int overlapTokens, boolean includeTitle) {
        this(maxTokens, overlapTokens, includeTitle, DEFAULT_MAX_DOCUMENT_CHARS);
    }
}
