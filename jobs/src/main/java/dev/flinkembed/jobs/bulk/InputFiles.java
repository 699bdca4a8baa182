package dev.flinkembed.jobs.bulk;

import dev.flinkembed.jobs.config.ConfigException;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.sources.FileNamingFormat;
import dev.flinkembed.operators.sources.JsonLinesDocumentFormat;
import dev.flinkembed.operators.sources.ParquetColumns;
import dev.flinkembed.operators.sources.ParquetDocumentFormat;
import dev.flinkembed.operators.sources.ParsedRecord;
import dev.flinkembed.operators.sources.RouteParsedRecords;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;

/**
 * The bulk job's input, checked on the client before the job starts: the files exist, their format is known, every
 * file can be read (a Parquet file's footer and the configured columns; a JSON Lines file opens and its first bytes
 * read). Also counts the documents (Parquet footers), for progress and ETA. An unreadable file fails the check with its
 * path and reason, or, with {@code source.on-unreadable-file: skip}, is left out and becomes one dead letter.
 *
 * @param skipped the files left out (skip policy), each with why
 */
public record InputFiles(List<Path> files, String format, long documents, List<Unreadable> skipped) {

    /** A file that cannot be read, and why. */
    public record Unreadable(Path file, String reason) {
    }

    public static InputFiles inspect(String path, String format, ParquetColumns columns) {
        return inspect(path, format, columns, "fail");
    }

    /** {@code onUnreadable}: {@code fail} (a configuration error naming the file) or {@code skip}. */
    public static InputFiles inspect(String path, String format, ParquetColumns columns, String onUnreadable) {
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
        List<Path> readable = new ArrayList<>();
        List<Unreadable> skipped = new ArrayList<>();
        long documents = 0;
        for (Path f : files) {
            try {
                documents += fmt.equals("parquet") ? parquetRows(f, columns) : checkReadable(f);
                readable.add(f);
            } catch (IOException | RuntimeException e) {
                if (e instanceof ConfigException c && !(c.getCause() instanceof IOException)) {
                    throw c; // a wrong column name: the configuration, not the file
                }
                String reason = reason(e);
                if (!onUnreadable.equals("skip")) {
                    throw new ConfigException("configuration key 'source.path': '" + f + "' cannot be read: " + reason
                            + " (fix or remove it, or set source.on-unreadable-file=skip to leave it out and record it "
                            + "as a dead letter)");
                }
                skipped.add(new Unreadable(f, reason));
            }
        }
        if (readable.isEmpty()) {
            throw new ConfigException("configuration key 'source.path': no file under '" + path + "' can be read: "
                    + skipped.stream().map(u -> u.file() + " (" + u.reason() + ")").toList());
        }
        return new InputFiles(readable, fmt, fmt.equals("parquet") ? documents : -1, skipped);
    }

    private static String reason(Exception e) {
        Throwable t = e instanceof ConfigException && e.getCause() != null ? e.getCause() : e;
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.replaceAll("\\S*InputFile@[0-9a-f]+", "the file");
    }

    /** Opens a JSON Lines file and reads its first bytes: missing permissions and I/O errors show here. */
    private static long checkReadable(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            in.readNBytes(4096);
        }
        return 0;
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
        FileSource<ParsedRecord> source = FileSource.forBulkFileFormat(new FileNamingFormat<>(fmt), paths).build();
        DataStream<ParsedRecord> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "read " + format)
                .uid("read-" + format);
        if (!skipped.isEmpty()) { // one dead letter per file left out, through the same routing as a bad record
            List<ParsedRecord> letters = skipped.stream().map(u -> ParsedRecord.dead(DeadLetter.of(
                    "unreadable file, skipped (source.on-unreadable-file=skip): " + u.reason(),
                    u.file().toAbsolutePath().toString(), null))).toList();
            records = records.union(env.fromData(letters, TypeInformation.of(ParsedRecord.class))
                    .name("unreadable files").uid("unreadable-files"));
        }
        return records.process(new RouteParsedRecords()).name("parse documents").uid("parse");
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

    private static long parquetRows(Path f, ParquetColumns columns) throws IOException {
        long rows = 0;
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
        }
        return rows;
    }
}
