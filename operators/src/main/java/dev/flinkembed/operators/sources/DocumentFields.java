package dev.flinkembed.operators.sources;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.operators.records.Document;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which fields of a JSON object make a document — a JSON Lines row, a Kafka message, the row of a Debezium change
 * event: the id (one field, or several for a composite id), the text (several are joined with a blank line), an
 * optional title, and fields copied into the metadata. The default is flink-embed's own document
 * {@code {"id", "text", "title", "metadata"}}.
 */
public record DocumentFields(List<String> id, List<String> text, String title, List<String> metadata)
        implements Serializable {

    public static final DocumentFields DEFAULT = new DocumentFields(List.of("id"), List.of("text"), "title", List.of());

    /** Several text fields are joined with this between them. */
    public static final String TEXT_SEPARATOR = "\n\n";

    /**
     * From the configuration's comma-separated lists; {@code id} null means "from elsewhere" (a Debezium message key),
     * {@code title} null means {@code title}.
     */
    public static DocumentFields of(String id, String text, String title, String metadata) {
        return new DocumentFields(
                id == null ? null : list(id), list(text), title == null ? "title" : title.trim(), list(metadata));
    }

    /** The names of a comma-separated list, trimmed, empty ones left out. */
    static List<String> list(String commaSeparated) {
        if (commaSeparated == null) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /** Why a field cannot make a document part: a dead-letter kind and reason. */
    record Problem(String kind, String reason) {}

    static final class Invalid extends Exception {
        final Problem problem;

        Invalid(String kind, String reason) {
            super(reason, null, false, false);
            this.problem = new Problem(kind, reason);
        }
    }

    /**
     * The document id from {@code fields} of {@code row}: one field gives its value alone, several give
     * {@code name=value} pairs joined by commas ({@code \}, {@code ,} and {@code =} escaped with {@code \}).
     * {@code scalars}: numbers and booleans are accepted (a database key), else only strings.
     */
    static String id(JsonNode row, List<String> fields, boolean scalars, String where) throws Invalid {
        if (fields.size() == 1) {
            return idPart(row, fields.get(0), scalars, where);
        }
        StringBuilder b = new StringBuilder();
        for (String f : fields) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(escape(f)).append('=').append(escape(idPart(row, f, scalars, where)));
        }
        return b.toString();
    }

    private static String idPart(JsonNode row, String field, boolean scalars, String where) throws Invalid {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) {
            throw new Invalid(JsonDocumentParser.MISSING_FIELD, "missing required field '" + field + "'" + where);
        }
        if (v.isTextual() || (scalars && (v.isNumber() || v.isBoolean()))) {
            return v.asText();
        }
        throw new Invalid(
                JsonDocumentParser.WRONG_TYPE,
                "field '" + field + "' must be a string" + (scalars ? ", number or boolean" : "") + ", got " + type(v)
                        + where);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=");
    }

    /** The text of {@code row}: one field must be a non-blank string; several are joined, nulls and blanks left out. */
    String text(JsonNode row) throws Invalid {
        if (text.size() == 1) {
            return requiredString(row, text.get(0));
        }
        List<String> parts = new ArrayList<>();
        for (String f : text) {
            JsonNode v = row.get(f);
            if (v == null || v.isNull()) {
                continue;
            }
            if (!v.isTextual()) {
                throw new Invalid(JsonDocumentParser.WRONG_TYPE, "field '" + f + "' must be a string, got " + type(v));
            }
            if (!v.asText().isBlank()) {
                parts.add(v.asText());
            }
        }
        if (parts.isEmpty()) {
            throw new Invalid(
                    DocumentPolicy.EMPTY_FIELD, "fields '" + String.join("', '", text) + "' are all empty or missing");
        }
        return String.join(TEXT_SEPARATOR, parts);
    }

    static String requiredString(JsonNode node, String field) throws Invalid {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new Invalid(JsonDocumentParser.MISSING_FIELD, "missing required field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw new Invalid(JsonDocumentParser.WRONG_TYPE, "field '" + field + "' must be a string, got " + type(v));
        }
        if (v.asText().isBlank()) {
            throw new Invalid(DocumentPolicy.EMPTY_FIELD, "field '" + field + "' is empty");
        }
        return v.asText();
    }

    String title(JsonNode row) throws Invalid {
        JsonNode v = row.get(title);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new Invalid(JsonDocumentParser.WRONG_TYPE, "field '" + title + "' must be a string, got " + type(v));
        }
        return v.asText();
    }

    /**
     * The metadata: a {@code "metadata"} object of strings when {@code object} (flink-embed's own documents), then
     * the configured fields, each as text (numbers and booleans as their JSON text, objects and arrays as JSON).
     */
    Map<String, String> metadata(JsonNode row, boolean object) throws Invalid {
        Map<String, String> out = null;
        JsonNode meta = object ? row.get("metadata") : null;
        if (meta != null && !meta.isNull()) {
            if (!meta.isObject()) {
                throw new Invalid(
                        JsonDocumentParser.WRONG_TYPE,
                        "field 'metadata' must be an object of strings, got " + type(meta));
            }
            out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new Invalid(
                            JsonDocumentParser.WRONG_TYPE,
                            "metadata value '" + e.getKey() + "' must be a string, got " + type(e.getValue()));
                }
                out.put(e.getKey(), e.getValue().asText());
            }
        }
        for (String f : metadata) {
            JsonNode v = row.get(f);
            if (v == null || v.isNull()) {
                continue;
            }
            if (out == null) {
                out = new LinkedHashMap<>();
            }
            out.put(f, v.isValueNode() ? v.asText() : v.toString());
        }
        return out;
    }

    /** An upsert of {@code row} with the id already known. */
    Document upsert(String id, JsonNode row, boolean metadataObject) throws Invalid {
        return new Document(id, text(row), title(row), metadata(row, metadataObject), Document.UPSERT);
    }

    static String type(JsonNode v) {
        return v.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
