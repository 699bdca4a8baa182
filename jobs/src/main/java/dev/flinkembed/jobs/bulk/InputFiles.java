package dev.flinkembed.jobs.bulk;

import dev.flinkembed.jobs.config.ConfigException;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.sources.JsonLinesDocumentFormat;
import dev.flinkembed.operators.sources.ParquetColumns;
import dev.flinkembed.operators.sources.ParquetDocumentFormat;
import dev.flinkembed.operators.sources.ParsedRecord;
import dev.flinkembed.operators.sources.RouteParsedRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;

/**
 * The bulk job's input, checked on the client before the job starts: the files exist, their format is known, the
 * configured Parquet columns exist in every file. Also counts the documents (Parquet footers), for progress and ETA.
 */
public record InputFiles(List<Path> files, String format, long documents) {

    public static InputFiles inspect(String path, String format, ParquetColumns columns) {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            throw new ConfigException("configuration key 'source.path': '" + path + "' does not exist");
        }
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.list(p)) {
                s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                        .filter(f -> !f.getFileName().toString().startsWith("_")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (files.isEmpty()) {
                throw new ConfigException("configuration key 'source.path': directory '" + path + "' has no files");
            }
        } else {
            files.add(p);
        }
        String fmt = format.equals("auto") ? detect(files) : format;
        long documents = fmt.equals("parquet") ? countParquet(files, columns) : -1;
        return new InputFiles(files, fmt, documents);
    }

    /**
     * Reads the files as a bounded Flink source and parses them: documents on the main output, malformed records as
     * dead letters on the side output {@link dev.flinkembed.operators.deadletter.DeadLetters#TAG}.
     */
    public SingleOutputStreamOperator<Document> read(StreamExecutionEnvironment env, ParquetColumns columns) {
        StreamFormat<ParsedRecord> fmt = format.equals("parquet") ? new ParquetDocumentFormat(columns)
                : new JsonLinesDocumentFormat();
        org.apache.flink.core.fs.Path[] paths = files.stream()
                .map(p -> new org.apache.flink.core.fs.Path(p.toAbsolutePath().toUri()))
                .toArray(org.apache.flink.core.fs.Path[]::new);
        FileSource<ParsedRecord> source = FileSource.forRecordStreamFormat(fmt, paths).build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "read " + format).uid("read-" + format)
                .process(new RouteParsedRecords()).name("parse documents").uid("parse");
    }

    private static String detect(List<Path> files) {
        String found = null;
        for (Path f : files) {
            String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
            String fmt = name.endsWith(".parquet") ? "parquet"
                    : name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson") ? "jsonl" : null;
            if (fmt == null) {
                throw new ConfigException("configuration key 'source.format': cannot tell the format of '" + f
                        + "' from its extension; set source.format to parquet or jsonl");
            }
            if (found != null && !found.equals(fmt)) {
                throw new ConfigException("configuration key 'source.path': mixes Parquet and JSON Lines files");
            }
            found = fmt;
        }
        return found;
    }

    private static long countParquet(List<Path> files, ParquetColumns columns) {
        long rows = 0;
        for (Path f : files) {
            try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(f))) {
                Schema schema = new AvroSchemaConverter().convert(reader.getFooter().getFileMetaData().getSchema());
                for (String[] col : new String[][] {{"source.id-column", columns.id()},
                        {"source.text-column", columns.text()}, {"source.title-column", columns.title()}}) {
                    if (col[1] != null && schema.getField(col[1]) == null) {
                        throw new ConfigException("configuration key '" + col[0] + "': column '" + col[1]
                                + "' is not in " + f + "; its columns: "
                                + schema.getFields().stream().map(Schema.Field::name).toList());
                    }
                }
                for (BlockMetaData block : reader.getFooter().getBlocks()) {
                    rows += block.getRowCount();
                }
            } catch (IOException e) {
                throw new ConfigException("configuration key 'source.path': '" + f + "' is not a readable Parquet "
                        + "file: " + e.getMessage());
            }
        }
        return rows;
    }
}
