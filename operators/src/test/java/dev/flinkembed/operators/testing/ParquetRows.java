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

    private ParquetRows() {
    }

    public static List<GenericRecord> head(Path file, int rows) throws IOException {
        List<GenericRecord> out = new ArrayList<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
            GenericRecord g;
            while (out.size() < rows && (g = r.read()) != null) {
                out.add(g);
            }
        }
        return out;
    }

    public static void write(Path file, List<GenericRecord> rows) throws IOException {
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(rows.get(0).getSchema()).build()) {
            for (GenericRecord r : rows) {
                w.write(r);
            }
        }
    }

    /** Every row of every Parquet file under {@code dir} (e.g. a job's vectors). */
    public static List<GenericRecord> readAll(Path dir) throws IOException {
        List<GenericRecord> out = new ArrayList<>();
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList()) {
                out.addAll(head(f, Integer.MAX_VALUE));
            }
        }
        return out;
    }
}
