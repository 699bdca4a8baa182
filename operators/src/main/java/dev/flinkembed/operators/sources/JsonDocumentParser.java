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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses one JSON document {@code {"id", "text", "title"?, "metadata"?, "op"?}} (a JSON Lines row or a Kafka value).
 * Anything else becomes a dead letter with the reason: not UTF-8, not JSON, not an object, a missing or empty field,
 * a wrong type, an unknown op.
 */
public final class JsonDocumentParser implements Serializable {

    /**
     * Jackson refuses strings over 20 million characters by default; a document's length is
     * chunking.max-document-chars' to judge (a dead letter naming that key), so the parser allows any a line can hold.
     */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .build())
            .build());

    /** Dead-letter kinds of the parse stage (besides {@link DocumentPolicy}'s). */
    public static final String NOT_UTF8 = "not-utf8";

    public static final String INVALID_JSON = "invalid-json";
    public static final String NOT_AN_OBJECT = "not-an-object";
    public static final String UNKNOWN_OP = "unknown-op";
    public static final String MISSING_FIELD = "missing-field";
    public static final String WRONG_TYPE = "wrong-type";

    public ParsedRecord parse(byte[] bytes, String source) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return ParsedRecord.dead(DeadLetter.ofBytes(DeadLetter.PARSE, NOT_UTF8, "not valid UTF-8", source, bytes));
        }
        return parse(text, source);
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
        DocumentPolicy.Refusal problem = requiredString(node, "id");
        if (problem != null) {
            return dead(problem.kind(), problem.reason(), source, line);
        }
        boolean delete = op.equals(Document.DELETE);
        if (!delete) {
            problem = requiredString(node, "text");
            if (problem != null) {
                return dead(problem.kind(), problem.reason(), source, line);
            }
        }
        JsonNode title = node.get("title");
        if (title != null && !title.isNull() && !title.isTextual()) {
            return dead(WRONG_TYPE, "field 'title' must be a string, got " + type(title), source, line);
        }
        Map<String, String> metadata = null;
        JsonNode meta = node.get("metadata");
        if (meta != null && !meta.isNull()) {
            if (!meta.isObject()) {
                return dead(
                        WRONG_TYPE, "field 'metadata' must be an object of strings, got " + type(meta), source, line);
            }
            metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    return dead(
                            WRONG_TYPE,
                            "metadata value '" + e.getKey() + "' must be a string, got " + type(e.getValue()),
                            source,
                            line);
                }
                metadata.put(e.getKey(), e.getValue().asText());
            }
        }
        JsonNode textNode = node.get("text");
        String text = textNode == null || textNode.isNull() ? null : textNode.asText();
        Document doc = new Document(
                node.get("id").asText(), text, title == null || title.isNull() ? null : title.asText(), metadata, op);
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

    private static DocumentPolicy.Refusal requiredString(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return new DocumentPolicy.Refusal(MISSING_FIELD, "missing required field '" + field + "'");
        }
        if (!v.isTextual()) {
            return new DocumentPolicy.Refusal(WRONG_TYPE, "field '" + field + "' must be a string, got " + type(v));
        }
        if (v.asText().isBlank()) {
            return new DocumentPolicy.Refusal(DocumentPolicy.EMPTY_FIELD, "field '" + field + "' is empty");
        }
        return null;
    }

    private static String type(JsonNode v) {
        return v.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static ParsedRecord dead(String kind, String reason, String source, String original) {
        return ParsedRecord.dead(DeadLetter.of(DeadLetter.PARSE, kind, reason, source, original));
    }
}
