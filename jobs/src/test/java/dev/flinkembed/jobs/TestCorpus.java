package dev.flinkembed.jobs;

import dev.flinkembed.operators.testing.ParquetRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Test inputs made from the sample corpus shipped in conf/samples (real Debian package descriptions). */
public final class TestCorpus {

    public static final Path SAMPLE = locate("conf/samples/debian-descriptions-1000.parquet");

    private TestCorpus() {}

    public static Path locate(String relative) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.exists(p.resolve(relative))) {
                return p.resolve(relative);
            }
            p = p.getParent();
        }
        throw new IllegalStateException(
                relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /** The 63,905-document corpus next to the repository when there is one (benchmarks), else the 1,000-row sample. */
    public static Path fullCorpusOrSample() {
        try {
            return locate("shared/data/debian-descriptions.parquet");
        } catch (IllegalStateException e) {
            return SAMPLE;
        }
    }

    /** Writes {@code id → text} documents as a Parquet file of two columns, replacing the file if it exists. */
    public static Path writeDocuments(Path file, java.util.Map<String, String> docs) throws Exception {
        Schema schema = SchemaBuilder.record("doc")
                .fields()
                .requiredString("id")
                .requiredString("text")
                .endRecord();
        List<GenericRecord> rows = new ArrayList<>();
        docs.forEach((id, text) -> {
            GenericData.Record r = new GenericData.Record(schema);
            r.put("id", id);
            r.put("text", text);
            rows.add(r);
        });
        Files.deleteIfExists(file);
        ParquetRows.write(file, rows);
        return file;
    }

    /** The sample's rows {@code copies} times, ids suffixed so they stay unique. */
    public static List<GenericRecord> replicated(int copies) throws Exception {
        List<GenericRecord> sample = ParquetRows.head(SAMPLE, Integer.MAX_VALUE);
        List<GenericRecord> out = new ArrayList<>();
        for (int c = 0; c < copies; c++) {
            for (GenericRecord r : sample) {
                GenericData.Record copy = new GenericData.Record(r.getSchema());
                copy.put("id", r.get("id") + (c == 0 ? "" : "#" + c));
                copy.put("text", r.get("text"));
                out.add(copy);
            }
        }
        return out;
    }

    /** Rows whose text column is a number: every row of such a file is malformed. */
    public static List<GenericRecord> wrongTypeRows(int n) {
        Schema schema = SchemaBuilder.record("bad")
                .fields()
                .requiredString("id")
                .requiredLong("text")
                .endRecord();
        List<GenericRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GenericData.Record r = new GenericData.Record(schema);
            r.put("id", "wrong-type-" + i);
            r.put("text", (long) i);
            out.add(r);
        }
        return out;
    }

    /** Rows with a null id, a null text or a blank text, and one good row. */
    public static List<GenericRecord> nullRows() {
        Schema schema = SchemaBuilder.record("nulls")
                .fields()
                .optionalString("id")
                .optionalString("text")
                .endRecord();
        List<GenericRecord> out = new ArrayList<>();
        String[][] rows = {
            {null, "text without id"}, {"no-text", null}, {"blank-text", "   "}, {"good-null-file", "A fine row."}
        };
        for (String[] row : rows) {
            GenericData.Record r = new GenericData.Record(schema);
            r.put("id", row[0]);
            r.put("text", row[1]);
            out.add(r);
        }
        return out;
    }
}
