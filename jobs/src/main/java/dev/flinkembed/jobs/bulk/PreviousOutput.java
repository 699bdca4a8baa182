package dev.flinkembed.jobs.bulk;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.files.Locations;
import dev.flinkembed.operators.records.IndexedChunk;
import dev.flinkembed.operators.sinks.VectorSchema;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.avro.AvroParquetReaders;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * An earlier bulk output ({@code bulk --previous DIR}, a local folder or a URI): its {@code vectors/} Parquet files,
 * read back so that the chunks that did not change keep their vectors instead of being embedded again.
 */
public record PreviousOutput(String dir, List<Path> files) {

    /** Checks on the client that {@code dir} is a bulk output with vectors. */
    public static PreviousOutput inspect(String dir) {
        Path vectors = new Path(Locations.of(dir), "vectors");
        try {
            FileSystem fs = Locations.fileSystem(vectors);
            FileStatus[] inside;
            try {
                inside = fs.getFileStatus(vectors).isDir() ? fs.listStatus(vectors) : null;
            } catch (FileNotFoundException e) {
                inside = null;
            }
            if (inside == null) {
                throw new ConfigException("configuration key 'sink.previous-path': '" + dir + "' is not a bulk output "
                        + "(it has no vectors/ folder)");
            }
            List<Path> files = Arrays.stream(inside)
                    .map(FileStatus::getPath)
                    .filter(f -> f.getName().endsWith(".parquet"))
                    .filter(f -> !f.getName().startsWith("."))
                    .sorted(Comparator.comparing(Path::getName))
                    .toList();
            if (files.isEmpty()) {
                throw new ConfigException("configuration key 'sink.previous-path': '" + Locations.display(vectors)
                        + "' holds no Parquet files");
            }
            return new PreviousOutput(dir, files);
        } catch (IOException e) {
            throw new ConfigException("configuration key 'sink.previous-path': '" + dir + "' " + Locations.reason(e));
        }
    }

    public DataStream<IndexedChunk> read(StreamExecutionEnvironment env) {
        // The whole row is read: Flink's AvroParquetReaders fills records by the file's column order, so a projected
        // read schema would put values under the wrong names.
        FileSource<GenericRecord> source = FileSource.forRecordStreamFormat(
                        AvroParquetReaders.forGenericRecord(VectorSchema.SCHEMA), files.toArray(Path[]::new))
                .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "read previous vectors")
                .map(VectorSchema::toIndexedChunk)
                .name("previous vectors");
    }
}
