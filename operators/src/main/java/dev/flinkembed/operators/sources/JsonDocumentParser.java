package dev.flinkembed.operators.sources;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Parses one JSON document {@code {"id", "text", "title"?, "metadata"?, "op"?}} (a JSON Lines row or a Kafka value),
 * or any JSON object whose fields {@link DocumentFields} maps.
 * Anything else becomes a dead letter with the reason: not UTF-8, not JSON, not an object, a missing or empty field,
 * a wrong type, an unknown op.
 */
public final class JsonDocumentParser implements Serializable {

    private final DocumentFields fields;

    /** flink-embed's own documents: {@code {"id", "text", "title"?, "metadata"?, "op"?}}. */
    public JsonDocumentParser() {
        this(DocumentFields.DEFAULT);
    }

    /** JSON objects whose document is in {@code fields} (the id must be given: a JSON document names itself). */
    public JsonDocumentParser(DocumentFields fields) {
        if (fields.id() == null || fields.id().isEmpty()) {
            throw new IllegalArgumentException("a JSON document's id field must be given");
        }
        this.fields = fields;
    }

    /**
     * Jackson refuses strings over 20 million characters by default; a document's length is
     * chunking.max-document-chars' to judge (a dead letter naming that key), so the parser allows any a line can hold.
     */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .build())
            .build());

    /** Dead-letter kinds of the parse stage (besides {@link DocumentPolicy}'s). */
    public static final String NOT_UTF8 = "not-utf8";

    /** The field Debezium's ExtractNewRecordState adds to a deleted row (delete.handling.mode=rewrite). */
    static final String DEBEZIUM_DELETED = "__deleted";

    public static final String INVALID_JSON = "invalid-json";
    public static final String NOT_AN_OBJECT = "not-an-object";
    public static final String UNKNOWN_OP = "unknown-op";
    public static final String MISSING_FIELD = "missing-field";
    public static final String WRONG_TYPE = "wrong-type";

    public ParsedRecord parse(byte[] bytes, String source) {
        String text = utf8(bytes);
        if (text == null) {
            return notUtf8(bytes, source);
        }
        return parse(text, source);
    }

    /** The text of {@code bytes}, or null when they are not valid UTF-8. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static ParsedRecord notUtf8(byte[] bytes, String source) {
        return ParsedRecord.dead(DeadLetter.ofBytes(DeadLetter.PARSE, NOT_UTF8, "not valid UTF-8", source, bytes));
    }

    public ParsedRecord parse(String line, String source) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return dead(INVALID_JSON, "invalid JSON: " + e.getOriginalMessage(), source, line);
        }
        if (node == null || !node.isObject()) {
            return dead(
                    NOT_AN_OBJECT,
                    "expected a JSON object, got "
                            + (node == null
                                    ? "nothing"
                                    : node.getNodeType().name().toLowerCase(Locale.ROOT)),
                    source,
                    line);
        }
        String op = Document.UPSERT;
        JsonNode opNode = node.get("op");
        if (opNode != null && !opNode.isNull()) {
            if (!opNode.isTextual()
                    || !(opNode.asText().equals(Document.UPSERT)
                            || opNode.asText().equals(Document.DELETE))) {
                return dead(UNKNOWN_OP, "unknown op " + opNode + "; accepted: \"upsert\", \"delete\"", source, line);
            }
            op = opNode.asText();
        }
        // Debezium's ExtractNewRecordState with delete.handling.mode=rewrite marks a deleted row this way.
        JsonNode deleted = node.get(DEBEZIUM_DELETED);
        if (deleted != null && (deleted.asText().equals("true"))) {
            op = Document.DELETE;
        }
        Document doc;
        try {
            String id = DocumentFields.id(node, fields.id(), false, "");
            doc = op.equals(Document.DELETE)
                    ? new Document(id, null, null, null, Document.DELETE)
                    : fields.upsert(id, node, true);
        } catch (DocumentFields.Invalid e) {
            return dead(e.problem.kind(), e.problem.reason(), source, line);
        }
        return admit(doc, source, line);
    }

    /** The document once {@link DocumentPolicy} repaired it, or a dead letter saying why it refused it. */
    static ParsedRecord admit(Document doc, String source, String original) {
        DocumentPolicy.Refusal refusal = DocumentPolicy.admit(doc);
        if (refusal == null) {
            return ParsedRecord.ok(doc);
        }
        ParsedRecord dead = dead(refusal.kind(), refusal.reason(), source, original);
        if (!refusal.kind().equals(DocumentPolicy.BAD_ID)) {
            dead.deadLetter.forDocument(doc.id);
        }
        return dead;
    }

    static ParsedRecord dead(String kind, String reason, String source, String original) {
        return ParsedRecord.dead(DeadLetter.of(DeadLetter.PARSE, kind, reason, source, original));
    }
}
