package dev.flinkembed.operators.records;

/**
 * What an index already holds for one chunk, as far as deciding whether to embed it again: its position (index,
 * characters), the document's chunk count when it was written, its content hash and the fingerprint of the model
 * that embedded it.
 */
public class IndexedChunk {

    public String docId;
    public int chunkIndex;
    public int chunkCount;
    public int startChar;
    public int endChar;
    public String contentHash;
    public String modelFingerprint;
    /** The document hash the row was written with; null when written before rows had one (or by another writer). */
    public String documentHash;
    /** Set when read from an earlier Parquet output (bulk --previous): the vector that can be reused, and its lineage. */
    public float[] embedding;

    public int tokenCount;
    public String model;
    public long embeddedAt;

    public IndexedChunk() {}

    public static IndexedChunk of(
            String docId,
            int chunkIndex,
            int chunkCount,
            int startChar,
            int endChar,
            String contentHash,
            String fingerprint) {
        IndexedChunk c = new IndexedChunk();
        c.docId = docId;
        c.chunkIndex = chunkIndex;
        c.chunkCount = chunkCount;
        c.startChar = startChar;
        c.endChar = endChar;
        c.contentHash = contentHash;
        c.modelFingerprint = fingerprint;
        return c;
    }

    /** The same, with the document hash the row holds (null: none). */
    public static IndexedChunk of(
            String docId,
            int chunkIndex,
            int chunkCount,
            int startChar,
            int endChar,
            String contentHash,
            String fingerprint,
            String documentHash) {
        IndexedChunk c = of(docId, chunkIndex, chunkCount, startChar, endChar, contentHash, fingerprint);
        c.documentHash = documentHash;
        return c;
    }

    @Override
    public String toString() {
        return "IndexedChunk{" + docId + "#" + chunkIndex + "/" + chunkCount + " " + contentHash + "}";
    }
}
