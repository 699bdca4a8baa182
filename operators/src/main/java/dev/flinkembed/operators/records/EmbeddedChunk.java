package dev.flinkembed.operators.records;

import java.util.Map;

/**
 * One output row: a chunk, its vector and its lineage ({@code model} and {@code modelFingerprint}: a hash of weights,
 * pooling, prompt, dimensions and normalisation, so vectors from different set-ups are never mixed unknowingly).
 */
public class EmbeddedChunk {

    public String docId;
    public int chunkIndex;
    public int chunkCount;
    public String text;
    public int startChar;
    public int endChar;
    public int tokenCount;
    public String contentHash;
    public String title;
    public Map<String, String> metadata;
    public float[] embedding;
    public String model;
    public String modelFingerprint;
    public long embeddedAt;

    public EmbeddedChunk() {
    }

    public static EmbeddedChunk of(Chunk c, float[] embedding, int tokens, String model, String fingerprint,
                                   long embeddedAt) {
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = c.docId;
        e.chunkIndex = c.chunkIndex;
        e.chunkCount = c.chunkCount;
        e.text = c.text;
        e.startChar = c.startChar;
        e.endChar = c.endChar;
        e.tokenCount = tokens;
        e.contentHash = c.contentHash;
        e.title = c.title;
        e.metadata = c.metadata;
        e.embedding = embedding;
        e.model = model;
        e.modelFingerprint = fingerprint;
        e.embeddedAt = embeddedAt;
        return e;
    }
}
