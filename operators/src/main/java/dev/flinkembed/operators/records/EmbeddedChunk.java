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
    /** The document's hash as chunked (see {@link Chunk#documentHash}); null when the writer did not know it. */
    public String documentHash;

    public String title;
    public Map<String, String> metadata;
    public float[] embedding;
    public String model;
    public String modelFingerprint;
    public long embeddedAt;
    /** Where the change came from in Kafka (stream job); -1 when read from files. */
    public int sourcePartition = -1;

    public long sourceOffset = -1;
    /** Set when the backend refused this chunk (a remote server's 400): it goes to the dead letters, not a sink. */
    public String error;
    /** The dead-letter kind of {@code error} (e.g. {@code refused-by-model}, {@code invalid-vector}). */
    public String errorKind;
    /**
     * Set on a chunk whose vector in the index is still right (same content hash, same model) but whose position or
     * chunk count changed (an edit elsewhere in its document): the pgvector sink updates those columns, not the vector.
     * Carries no vector. Only the reindex job makes these.
     */
    public boolean lineageOnly;

    public EmbeddedChunk() {}

    /**
     * A document deletion travelling the same path as its chunks (so it stays in order with them): no vector,
     * chunk count 0. Sinks that keep an index (pgvector) remove the document's chunks; a Kafka sink passes it on.
     */
    public static EmbeddedChunk deletion(String docId, long at) {
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = docId;
        e.chunkIndex = -1;
        e.embeddedAt = at;
        return e;
    }

    public static EmbeddedChunk lineageUpdate(Chunk c) {
        EmbeddedChunk e = of(c, null, 0, null, null, 0);
        e.lineageOnly = true;
        return e;
    }

    public static EmbeddedChunk refused(Chunk c, String kind, String error) {
        EmbeddedChunk e = of(c, null, 0, null, null, System.currentTimeMillis());
        e.error = error;
        e.errorKind = kind;
        return e;
    }

    public boolean isDeletion() {
        return chunkCount == 0;
    }

    public static EmbeddedChunk of(
            Chunk c, float[] embedding, int tokens, String model, String fingerprint, long embeddedAt) {
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = c.docId;
        e.chunkIndex = c.chunkIndex;
        e.chunkCount = c.chunkCount;
        e.text = c.text;
        e.startChar = c.startChar;
        e.endChar = c.endChar;
        e.tokenCount = tokens;
        e.contentHash = c.contentHash;
        e.documentHash = c.documentHash;
        e.title = c.title;
        e.metadata = c.metadata;
        e.embedding = embedding;
        e.model = model;
        e.modelFingerprint = fingerprint;
        e.embeddedAt = embeddedAt;
        e.sourcePartition = c.sourcePartition;
        e.sourceOffset = c.sourceOffset;
        return e;
    }
}
