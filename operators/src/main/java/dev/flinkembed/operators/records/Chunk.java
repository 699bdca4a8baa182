package dev.flinkembed.operators.records;

import java.util.Map;

/**
 * A piece of a document that fits the model: {@code text} is {@code document.text[startChar, endChar)} (UTF-16
 * indices), {@code embedText} what the model reads (the title, when there is one, then the chunk).
 */
public class Chunk {

    public String docId;
    public int chunkIndex;
    public int chunkCount;
    public String text;
    public String embedText;
    public int startChar;
    public int endChar;
    public String title;
    public Map<String, String> metadata;
    public String contentHash;
    /** {@code DocumentHash} of the document this chunk was cut from, with the options it was cut with. */
    public String documentHash;
    /** Where the change came from in Kafka (stream job); -1 when read from files. */
    public int sourcePartition = -1;

    public long sourceOffset = -1;

    public Chunk() {}

    /** The marker of a deleted document (chunk count 0): the embedding operator passes it on without the model. */
    public static Chunk deletion(String docId) {
        Chunk c = new Chunk();
        c.docId = docId;
        c.chunkIndex = -1;
        return c;
    }

    /** The deletion marker of {@code doc}, carrying where the delete came from. */
    public static Chunk deletion(Document doc) {
        Chunk c = deletion(doc.id);
        c.sourcePartition = doc.sourcePartition;
        c.sourceOffset = doc.sourceOffset;
        return c;
    }

    public boolean isDeletion() {
        return chunkCount == 0;
    }

    @Override
    public String toString() {
        return "Chunk{" + docId + "#" + chunkIndex + "/" + chunkCount + " [" + startChar + "," + endChar + ")}";
    }
}
