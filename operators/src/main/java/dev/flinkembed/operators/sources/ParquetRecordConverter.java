package dev.flinkembed.operators.sources;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import java.io.Serializable;
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
            problem = stringField(row, columns.text(), true, text, kind);
            if (problem == null) {
                String[] title = new String[1];
                if (columns.title() != null) {
                    problem = stringField(row, columns.title(), false, title, kind);
                }
                if (problem == null) {
                    return JsonDocumentParser.admit(
                            new Document(id[0], text[0], title[0], null, Document.UPSERT), source, row.toString());
                }
            }
        }
        return ParsedRecord.dead(DeadLetter.of(DeadLetter.PARSE, kind[0], problem, source, row.toString()));
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
