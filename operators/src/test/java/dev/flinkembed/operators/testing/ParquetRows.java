package dev.flinkembed.operators.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;

/** Reads the first rows of a Parquet file (outside Flink), and writes them to a new file. */
public final class ParquetRows {

    private ParquetRows() {}

    public static List<GenericRecord> head(Path file, int rows) throws IOException {
        List<GenericRecord> out = new ArrayList<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file))
                .build()) {
            GenericRecord g;
            while (out.size() < rows && (g = r.read()) != null) {
                out.add(g);
            }
        }
        return out;
    }

    public static void write(Path file, List<GenericRecord> rows) throws IOException {
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(rows.get(0).getSchema())
                .build()) {
            for (GenericRecord r : rows) {
                w.write(r);
            }
        }
    }

    /** Writes {@code rows} in row groups of at most {@code rowsPerGroup} rows (a file to split by row groups). */
    public static void write(Path file, List<GenericRecord> rows, int rowsPerGroup) throws IOException {
        // Parquet's writer cuts row groups by bytes; exact counts come from one small file per group, appended.
        Path parts = java.nio.file.Files.createTempDirectory(file.getParent(), ".parts");
        List<Path> written = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += rowsPerGroup) {
            Path part = parts.resolve(written.size() + ".parquet");
            write(part, rows.subList(from, Math.min(rows.size(), from + rowsPerGroup)));
            written.add(part);
        }
        org.apache.parquet.schema.MessageType schema = new org.apache.parquet.avro.AvroSchemaConverter()
                .convert(rows.get(0).getSchema());
        org.apache.parquet.hadoop.ParquetFileWriter out = new org.apache.parquet.hadoop.ParquetFileWriter(
                new LocalOutputFile(file),
                schema,
                org.apache.parquet.hadoop.ParquetFileWriter.Mode.CREATE,
                ParquetWriter.DEFAULT_BLOCK_SIZE,
                ParquetWriter.MAX_PADDING_SIZE_DEFAULT);
        out.start();
        for (Path part : written) {
            out.appendFile(new LocalInputFile(part));
            java.nio.file.Files.delete(part);
        }
        out.end(java.util.Map.of("parquet.avro.schema", rows.get(0).getSchema().toString()));
        java.nio.file.Files.delete(parts);
    }

    /** Every row of every Parquet file under {@code dir} (e.g. a job's vectors). */
    public static List<GenericRecord> readAll(Path dir) throws IOException {
        List<GenericRecord> out = new ArrayList<>();
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".parquet"))
                    .sorted()
                    .toList()) {
                out.addAll(head(f, Integer.MAX_VALUE));
            }
        }
        return out;
    }
}
