package dev.flinkembed.operators.records;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;

/**
 * An input document. {@code id} is unique per corpus; {@code op} is {@code upsert} (default) or {@code delete} for
 * streams. A Flink POJO: public fields and a no-argument constructor, so Flink serializes it without Kryo.
 */
public class Document {

    public static final String UPSERT = "upsert";
    public static final String DELETE = "delete";

    private static final ObjectMapper JSON = new ObjectMapper();

    public String id;
    public String text;
    public String title;
    public Map<String, String> metadata;
    public String op = UPSERT;
    /** Where the change came from in Kafka (stream job); -1 when read from files. */
    public int sourcePartition = -1;

    public long sourceOffset = -1;

    public Document() {}

    public Document(String id, String text, String title, Map<String, String> metadata, String op) {
        this.id = id;
        this.text = text;
        this.title = title;
        this.metadata = metadata;
        this.op = op;
    }

    /** The document as one line of flink-embed's JSON Lines input, so a dead letter can be fixed and replayed. */
    public String toJsonLine() {
        ObjectNode n = JSON.createObjectNode().put("id", id).put("text", text);
        if (title != null) {
            n.put("title", title);
        }
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = n.putObject("metadata");
            metadata.forEach(m::put);
        }
        if (!UPSERT.equals(op)) {
            n.put("op", op);
        }
        return n.toString();
    }

    public static Document of(String id, String text) {
        return new Document(id, text, null, null, UPSERT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Document d
                && Objects.equals(id, d.id)
                && Objects.equals(text, d.text)
                && Objects.equals(title, d.title)
                && Objects.equals(metadata, d.metadata)
                && Objects.equals(op, d.op);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, text, title, metadata, op);
    }

    @Override
    public String toString() {
        return "Document{id=" + id + ", chars=" + (text == null ? 0 : text.length()) + ", op=" + op + "}";
    }
}
