package dev.flinkembed.operators.sources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.operators.records.Document;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A Debezium change event (Kafka Connect's JSON converter, with the {@code {"schema", "payload"}} wrapper or
 * without) → a document change. {@code op} {@code c} (insert), {@code r} (snapshot read) and {@code u} (update) upsert
 * the row in {@code after}; {@code d} (delete) and a tombstone (null value) delete. The id is the message key's
 * primary-key columns (one column: its value; several: {@code col=value} pairs in key order), or the configured id
 * fields of the row ({@code before} for a delete, which holds the key columns under PostgreSQL's default replica
 * identity). Truncates ({@code t}) and logical-decoding messages ({@code m}) change no single document: dead letters,
 * as is anything that is not a change event, each with the reason.
 */
public final class DebeziumEnvelopeParser implements Serializable {

    /**
     * What Debezium sends in place of a value it does not have (its {@code unavailable.value.placeholder}): in
     * PostgreSQL, a TOASTed column an UPDATE did not change, under the default replica identity.
     */
    public static final String UNAVAILABLE_PLACEHOLDER = "__debezium_unavailable_value";

    /** Dead-letter kind: a mapped field holds {@link #UNAVAILABLE_PLACEHOLDER}. */
    public static final String UNAVAILABLE_VALUE = "unavailable-value";

    private final DocumentFields fields;

    public DebeziumEnvelopeParser(DocumentFields fields) {
        this.fields = fields;
    }

    public ParsedRecord parse(byte[] key, byte[] value, String source) {
        if (value == null) {
            return tombstone(key, source);
        }
        String text = JsonDocumentParser.utf8(value);
        if (text == null) {
            return JsonDocumentParser.notUtf8(value, source);
        }
        JsonNode event;
        try {
            event = unwrap(JsonDocumentParser.JSON.readTree(text));
        } catch (JsonProcessingException e) {
            return JsonDocumentParser.dead(
                    JsonDocumentParser.INVALID_JSON, "invalid JSON: " + e.getOriginalMessage(), source, text);
        }
        if (event == null || event.isNull()) { // {"schema": ..., "payload": null}: a tombstone with a schema
            return tombstone(key, source);
        }
        if (!event.isObject()) {
            return JsonDocumentParser.dead(
                    JsonDocumentParser.NOT_AN_OBJECT,
                    "expected a Debezium change event (a JSON object), got " + DocumentFields.type(event),
                    source,
                    text);
        }
        JsonNode op = event.get("op");
        if (op == null || !op.isTextual()) {
            return JsonDocumentParser.dead(
                    JsonDocumentParser.MISSING_FIELD,
                    "not a Debezium change event: no field 'op' (source.format=debezium-json reads the envelopes of "
                            + "Kafka Connect's JSON converter; flattened rows are source.format=json)",
                    source,
                    text);
        }
        try {
            Document doc = switch (op.asText()) {
                case "c", "r", "u" -> {
                    JsonNode after = row(event, "after", op.asText());
                    checkAvailable(after);
                    yield fields.upsert(id(key, after, "after"), after, false);
                }
                case "d" -> {
                    JsonNode before = event.get("before");
                    String id = fields.id() != null
                            ? DocumentFields.id(row(event, "before", "d"), fields.id(), true, " in 'before'")
                            : id(key, before, "before");
                    yield new Document(id, null, null, null, Document.DELETE);
                }
                case "t" ->
                    throw new DocumentFields.Invalid(
                            JsonDocumentParser.UNKNOWN_OP,
                            "op 't' (truncate) removes every row at once and names no document: delete the table's "
                                    + "vectors yourself, or re-snapshot the table");
                case "m" ->
                    throw new DocumentFields.Invalid(
                            JsonDocumentParser.UNKNOWN_OP, "op 'm' (a logical decoding message) is not a row change");
                default ->
                    throw new DocumentFields.Invalid(
                            JsonDocumentParser.UNKNOWN_OP,
                            "unknown op " + op + "; accepted: \"c\", \"r\", \"u\", \"d\"");
            };
            return JsonDocumentParser.admit(doc, source, text);
        } catch (DocumentFields.Invalid e) {
            return JsonDocumentParser.dead(e.problem.kind(), e.problem.reason(), source, text);
        }
    }

    private static JsonNode row(JsonNode event, String name, String op) throws DocumentFields.Invalid {
        JsonNode row = event.get(name);
        if (row == null || row.isNull()) {
            throw new DocumentFields.Invalid(
                    JsonDocumentParser.MISSING_FIELD, "op '" + op + "' without the row in '" + name + "'");
        }
        if (!row.isObject()) {
            throw new DocumentFields.Invalid(
                    JsonDocumentParser.WRONG_TYPE,
                    "field '" + name + "' must be an object (the row), got " + DocumentFields.type(row));
        }
        return row;
    }

    /**
     * A field the document is made of that Debezium did not send cannot be filled in here (the job keeps no rows):
     * the change is a dead letter saying how to make PostgreSQL send it, rather than a document with the placeholder
     * embedded as its text.
     */
    private void checkAvailable(JsonNode row) throws DocumentFields.Invalid {
        List<String> mapped = new ArrayList<>(fields.text());
        mapped.add(fields.title());
        mapped.addAll(fields.metadata());
        if (fields.id() != null) {
            mapped.addAll(fields.id());
        }
        for (String f : mapped) {
            JsonNode v = row.get(f);
            if (v != null && v.isTextual() && v.asText().equals(UNAVAILABLE_PLACEHOLDER)) {
                throw new DocumentFields.Invalid(
                        UNAVAILABLE_VALUE,
                        "field '" + f + "' is Debezium's placeholder for a value it did not receive (an unchanged "
                                + "TOASTed column of an UPDATE): the document cannot be rebuilt from this event; "
                                + "ALTER TABLE ... REPLICA IDENTITY FULL makes PostgreSQL send it");
            }
        }
    }

    /** The id: the configured fields of {@code row}, else every column of the message key, in key order. */
    private String id(byte[] key, JsonNode row, String rowName) throws DocumentFields.Invalid {
        if (fields.id() != null) {
            return DocumentFields.id(row, fields.id(), true, " in '" + rowName + "'");
        }
        JsonNode k = key(key);
        List<String> columns = new ArrayList<>();
        for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
            columns.add(it.next());
        }
        if (columns.isEmpty()) {
            throw new DocumentFields.Invalid(
                    JsonDocumentParser.MISSING_FIELD,
                    "the message key has no columns: set source.id-column to the row's id field(s)");
        }
        return DocumentFields.id(k, columns, true, " in the message key");
    }

    /**
     * The id a Kafka Connect JSON key names, for a tombstone of a {@code json} topic (rows flattened by Debezium's
     * {@code ExtractNewRecordState}): {@code idFields} of the key when it has them all, else every column of it; null
     * when {@code keyText} is not a JSON object.
     */
    static String idOfJsonKey(String keyText, List<String> idFields) throws DocumentFields.Invalid {
        JsonNode k;
        try {
            k = unwrap(JsonDocumentParser.JSON.readTree(keyText));
        } catch (JsonProcessingException e) {
            return null;
        }
        if (k == null || !k.isObject() || k.isEmpty()) {
            return null;
        }
        if (idFields != null && idFields.stream().allMatch(k::hasNonNull)) {
            return DocumentFields.id(k, idFields, true, " in the message key");
        }
        List<String> columns = new ArrayList<>();
        k.fieldNames().forEachRemaining(columns::add);
        return DocumentFields.id(k, columns, true, " in the message key");
    }

    private static JsonNode key(byte[] key) throws DocumentFields.Invalid {
        if (key == null || key.length == 0) {
            throw new DocumentFields.Invalid(
                    JsonDocumentParser.MISSING_FIELD,
                    "the message has no key (a table without a primary key?): set source.id-column to the row's id "
                            + "field(s)");
        }
        String text = JsonDocumentParser.utf8(key);
        JsonNode k;
        try {
            k = text == null ? null : unwrap(JsonDocumentParser.JSON.readTree(text));
        } catch (JsonProcessingException e) {
            k = null;
        }
        if (k == null || !k.isObject()) {
            throw new DocumentFields.Invalid(
                    DocumentPolicy.BAD_ID,
                    "the message key is not a Debezium JSON key (an object of the primary-key columns)");
        }
        return k;
    }

    private ParsedRecord tombstone(byte[] key, String source) {
        try {
            JsonNode k = key(key);
            String id = fields.id() != null
                    ? DocumentFields.id(k, fields.id(), true, " in the message key")
                    : id(key, null, "key");
            return JsonDocumentParser.admit(new Document(id, null, null, null, Document.DELETE), source, "");
        } catch (DocumentFields.Invalid e) {
            return JsonDocumentParser.dead(
                    e.problem.kind(), "tombstone (null value): " + e.problem.reason(), source, "");
        }
    }

    /** The payload of Kafka Connect's {@code {"schema", "payload"}} wrapper, or the node itself. */
    private static JsonNode unwrap(JsonNode node) {
        if (node != null && node.isObject() && node.size() == 2 && node.has("schema") && node.has("payload")) {
            return node.get("payload");
        }
        return node;
    }
}
