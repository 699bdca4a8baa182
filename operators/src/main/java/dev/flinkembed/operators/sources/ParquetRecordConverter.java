package dev.flinkembed.operators.sources;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/** A Parquet row (read as an Avro record in the file's own schema) to a document, or a dead letter with the reason. */
public final class ParquetRecordConverter implements Serializable {

    private final ParquetColumns columns;

    public ParquetRecordConverter(ParquetColumns columns) {
        this.columns = columns;
    }

    public ParsedRecord convert(GenericRecord row, String source) {
        String[] id = new String[1];
        String[] kind = new String[1];
        String problem = stringField(row, columns.id(), true, id, kind);
        if (problem == null) {
            String[] text = new String[1];
            problem = text(row, text, kind);
            if (problem == null) {
                String[] title = new String[1];
                if (columns.title() != null) {
                    problem = stringField(row, columns.title(), false, title, kind);
                }
                if (problem == null) {
                    return JsonDocumentParser.admit(
                            new Document(id[0], text[0], title[0], metadata(row), Document.UPSERT),
                            source,
                            row.toString());
                }
            }
        }
        return ParsedRecord.dead(DeadLetter.of(DeadLetter.PARSE, kind[0], problem, source, row.toString()));
    }

    /** One text column must be a non-blank string; several are joined, nulls and blanks left out. */
    private String text(GenericRecord row, String[] out, String[] kind) {
        List<String> names = columns.textColumns();
        if (names.size() == 1) {
            return stringField(row, names.get(0), true, out, kind);
        }
        List<String> parts = new ArrayList<>();
        for (String name : names) {
            String[] part = new String[1];
            String problem = stringField(row, name, false, part, kind);
            if (problem != null) {
                return problem;
            }
            if (part[0] != null && !part[0].isBlank()) {
                parts.add(part[0]);
            }
        }
        if (parts.isEmpty()) {
            kind[0] = DocumentPolicy.EMPTY_FIELD;
            return "columns '" + String.join("', '", names) + "' are all empty or null";
        }
        out[0] = String.join(DocumentFields.TEXT_SEPARATOR, parts);
        return null;
    }

    /** The metadata columns as text (numbers and booleans as written, nulls and missing columns left out). */
    private Map<String, String> metadata(GenericRecord row) {
        Map<String, String> out = null;
        for (String name : columns.metadataColumns()) {
            Object v = row.getSchema().getField(name) == null ? null : row.get(name);
            if (v != null) {
                if (out == null) {
                    out = new LinkedHashMap<>();
                }
                out.put(name, v.toString());
            }
        }
        return out;
    }

    private static String stringField(GenericRecord row, String column, boolean required, String[] out, String[] kind) {
        Schema.Field field = row.getSchema().getField(column);
        kind[0] = JsonDocumentParser.MISSING_FIELD;
        if (field == null) {
            return "no column '" + column + "' in this file; columns: "
                    + row.getSchema().getFields().stream()
                            .map(Schema.Field::name)
                            .toList();
        }
        Object value = row.get(column);
        if (value == null) {
            return required ? "missing required column '" + column + "' (null)" : null;
        }
        if (!(value instanceof CharSequence)) {
            kind[0] = JsonDocumentParser.WRONG_TYPE;
            return "column '" + column + "' must be a string, got "
                    + value.getClass().getSimpleName().toLowerCase() + " " + value;
        }
        String s = value.toString();
        if (required && s.isBlank()) {
            kind[0] = DocumentPolicy.EMPTY_FIELD;
            return "column '" + column + "' is empty";
        }
        out[0] = s;
        return null;
    }
}
