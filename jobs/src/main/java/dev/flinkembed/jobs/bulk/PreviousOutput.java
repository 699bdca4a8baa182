package dev.flinkembed.jobs.bulk;

import dev.flinkembed.jobs.config.ConfigException;
import dev.flinkembed.operators.records.IndexedChunk;
import dev.flinkembed.operators.sinks.VectorSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.formats.parquet.avro.AvroParquetReaders;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * An earlier bulk output ({@code bulk --previous DIR}): its {@code vectors/} Parquet files, read back so that the chunks that did not change keep their vectors instead of
 * being embedded again.
 */
public record PreviousOutput(Path dir, List<Path> files) {

    /** Checks on the client that {@code dir} is a bulk output with vectors. */
    public static PreviousOutput inspect(String dir) {
        Path vectors = Path.of(dir).resolve("vectors");
        if (!Files.isDirectory(vectors)) {
            throw new ConfigException("configuration key 'sink.previous-path': '" + dir + "' is not a bulk output (it "
                    + "has no vectors/ folder)");
        }
        try (Stream<Path> s = Files.list(vectors)) {
            List<Path> files = s.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                    .filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
            if (files.isEmpty()) {
                throw new ConfigException("configuration key 'sink.previous-path': '" + vectors + "' holds no Parquet "
                        + "files");
            }
            return new PreviousOutput(Path.of(dir), files);
        } catch (IOException e) {
            throw new ConfigException("configuration key 'sink.previous-path': cannot read " + vectors + ": " + e);
        }
    }

    public DataStream<IndexedChunk> read(StreamExecutionEnvironment env) {
        org.apache.flink.core.fs.Path[] paths = files.stream()
                .map(p -> new org.apache.flink.core.fs.Path(p.toAbsolutePath().toUri()))
                .toArray(org.apache.flink.core.fs.Path[]::new);
        // The whole row is read: Flink's AvroParquetReaders fills records by the file's column order, so a projected
        // read schema would put values under the wrong names.
        FileSource<GenericRecord> source = FileSource.forRecordStreamFormat(
                AvroParquetReaders.forGenericRecord(VectorSchema.SCHEMA), paths).build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "read previous vectors")
                .map(VectorSchema::toIndexedChunk).name("previous vectors");
    }
}
