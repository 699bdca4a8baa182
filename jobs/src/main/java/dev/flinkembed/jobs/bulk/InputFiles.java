package dev.flinkembed.jobs.bulk;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.files.Locations;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.sources.DocumentFields;
import dev.flinkembed.operators.sources.DocumentFilesFormat;
import dev.flinkembed.operators.sources.DocumentSplitter;
import dev.flinkembed.operators.sources.ParquetColumns;
import dev.flinkembed.operators.sources.ParquetLayout;
import dev.flinkembed.operators.sources.ParsedRecord;
import dev.flinkembed.operators.sources.RouteParsedRecords;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;

/**
 * The bulk job's input, checked on the client before the job starts, through Flink's file systems (a local folder,
 * {@code s3://bucket/prefix/}, {@code hdfs://…}): the files exist, their format is known (the configured one, or each
 * file's extension), every file can be read (a Parquet file's footer and the configured columns; a JSON Lines file
 * opens and its first bytes read). Also counts the documents (Parquet footers), for progress and ETA. An unreadable
 * file fails the check with its location and reason, or, with {@code source.on-unreadable-file: skip}, is left out
 * and becomes one dead letter.
 *
 * @param format    parquet or jsonl when every file is in it, else mixed
 * @param documents the number of documents when all files are Parquet, else -1 (unknown before reading)
 * @param skipped   the files left out (skip policy), each with why
 * @param layouts   each Parquet file's size and row groups as read here, so the JobManager does not read them again
 */
public record InputFiles(
        List<Path> files,
        String format,
        String configuredFormat,
        long documents,
        List<Unreadable> skipped,
        Map<String, ParquetLayout> layouts) {

    /**
     * Files checked side by side: against object storage each check is a round trip or two (a footer is two ranged
     * GETs), so tens of thousands of files checked one after another would keep the client busy for many minutes.
     */
    static final int CHECKS_IN_FLIGHT = 16;

    /** A file that cannot be read, and why. */
    public record Unreadable(Path file, String reason) {}

    /** {@code onUnreadable}: {@code fail} (a configuration error naming the file) or {@code skip}. */
    public static InputFiles inspect(String location, String format, ParquetColumns columns, String onUnreadable) {
        Path root = Locations.of(location);
        List<FileStatus> files = list(location, root);
        List<String> formats = new ArrayList<>();
        for (FileStatus f : files) {
            formats.add(formatOf(f.getPath(), format));
        }
        List<Path> readable = new ArrayList<>();
        List<Unreadable> skipped = new ArrayList<>();
        Map<String, ParquetLayout> layouts = new HashMap<>();
        long documents = 0;
        List<Future<FileCheck>> checks = check(files, formats, columns);
        for (int i = 0; i < files.size(); i++) {
            FileStatus f = files.get(i);
            try {
                FileCheck checked = outcome(checks.get(i));
                documents += checked.rows();
                if (checked.layout() != null) {
                    layouts.put(f.getPath().toString(), checked.layout());
                }
                readable.add(f.getPath());
            } catch (IOException | RuntimeException e) {
                if (e instanceof ConfigException c && !(c.getCause() instanceof IOException)) {
                    throw c; // a wrong column name: the configuration, not the file
                }
                String reason = reason(e);
                if (!onUnreadable.equals("skip")) {
                    throw new ConfigException("configuration key 'source.path': '" + Locations.display(f.getPath())
                            + "' cannot be read: " + reason + " (fix or remove it, or set "
                            + "source.on-unreadable-file=skip to leave it out and record it as a dead letter)");
                }
                skipped.add(new Unreadable(f.getPath(), reason));
            }
        }
        if (readable.isEmpty()) {
            throw new ConfigException("configuration key 'source.path': no file under '" + location + "' can be read: "
                    + skipped.stream()
                            .map(u -> Locations.display(u.file()) + " (" + u.reason() + ")")
                            .toList());
        }
        boolean allParquet = formats.stream().allMatch("parquet"::equals);
        String overall = formats.stream().distinct().count() == 1 ? formats.get(0) : "mixed";
        return new InputFiles(readable, overall, format, allParquet ? documents : -1, skipped, Map.copyOf(layouts));
    }

    /** What checking one file found: its documents (Parquet) and its layout (Parquet), else 0 and null. */
    private record FileCheck(long rows, ParquetLayout layout) {}

    private static List<Future<FileCheck>> check(List<FileStatus> files, List<String> formats, ParquetColumns columns) {
        ExecutorService pool =
                Executors.newFixedThreadPool(Math.max(1, Math.min(CHECKS_IN_FLIGHT, files.size())), r -> {
                    Thread t = new Thread(r, "check-input-file");
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<Future<FileCheck>> out = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                FileStatus f = files.get(i);
                boolean parquet = formats.get(i).equals("parquet");
                out.add(pool.submit(() -> parquet ? parquetFile(f, columns) : new FileCheck(checkReadable(f), null)));
            }
            return out;
        } finally {
            pool.shutdown(); // the submitted checks still run
        }
    }

    /** The check's result, its failure rethrown as it was thrown. */
    private static FileCheck outcome(Future<FileCheck> check) throws IOException {
        try {
            return check.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while checking the input", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getCause());
        }
    }

    /** The files at {@code root}: the file itself, or a folder's (a prefix's) files, hidden ones (. and _) left out. */
    private static List<FileStatus> list(String location, Path root) {
        try {
            FileSystem fs = Locations.fileSystem(root);
            FileStatus status = fs.getFileStatus(root);
            if (!status.isDir()) {
                return List.of(status);
            }
            FileStatus[] children = fs.listStatus(root);
            List<FileStatus> files = Arrays.stream(children == null ? new FileStatus[0] : children)
                    .filter(s -> !s.isDir())
                    .filter(s -> !s.getPath().getName().startsWith(".")
                            && !s.getPath().getName().startsWith("_"))
                    .sorted(Comparator.comparing(s -> s.getPath().getName()))
                    .toList();
            if (files.isEmpty()) {
                throw new ConfigException("configuration key 'source.path': directory '" + location + "' has no files");
            }
            return files;
        } catch (IOException e) {
            throw new ConfigException("configuration key 'source.path': '" + location + "' " + Locations.reason(e));
        }
    }

    private static String formatOf(Path file, String configured) {
        try {
            return DocumentFilesFormat.formatOf(file, configured);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("configuration key 'source.format': cannot tell the format of '"
                    + Locations.display(file) + "' from its extension; set source.format to parquet or jsonl");
        }
    }

    private static String reason(Exception e) {
        Throwable t = e instanceof ConfigException && e.getCause() != null ? e.getCause() : e;
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.replaceAll("\\S*InputFile@[0-9a-f]+", "the file");
    }

    /** Opens a JSON Lines file and reads its first bytes: missing permissions and I/O errors show here. */
    private static long checkReadable(FileStatus f) throws IOException {
        try (InputStream in = f.getPath().getFileSystem().open(f.getPath())) {
            in.readNBytes(4096);
        }
        return 0;
    }

    /**
     * Reads the files as a bounded Flink source, split so that every slot reads (a Parquet file at its row groups, a
     * JSON Lines file by byte ranges), and parses them: documents on the main output, malformed records as dead
     * letters on the side output {@link dev.flinkembed.operators.deadletter.DeadLetters#TAG}.
     */
    public SingleOutputStreamOperator<Document> read(
            StreamExecutionEnvironment env,
            ParquetColumns columns,
            DocumentFields jsonFields,
            long splitBytes,
            int parallelism) {
        FileSource<ParsedRecord> source = FileSource.forBulkFileFormat(
                        new DocumentFilesFormat(configuredFormat, columns, jsonFields), files.toArray(Path[]::new))
                .setFileEnumerator(DocumentSplitter.provider(configuredFormat, splitBytes, layouts))
                .build();
        DataStream<ParsedRecord> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "read " + format)
                .setParallelism(parallelism)
                .uid("read-" + format);
        if (!skipped.isEmpty()) { // one dead letter per file left out, through the same routing as a bad record
            List<ParsedRecord> letters = skipped.stream()
                    .map(u -> ParsedRecord.dead(DeadLetter.of(
                            DeadLetter.PARSE,
                            "unreadable-file",
                            "unreadable file, skipped (source.on-unreadable-file=skip): " + u.reason(),
                            Locations.display(u.file()),
                            null)))
                    .toList();
            records = records.union(env.fromData(letters, TypeInformation.of(ParsedRecord.class))
                    .name("unreadable files")
                    .uid("unreadable-files"));
        }
        return records.process(new RouteParsedRecords())
                .setParallelism(parallelism)
                .name("parse documents")
                .uid("parse");
    }

    private static FileCheck parquetFile(FileStatus f, ParquetColumns columns) throws IOException {
        long rows = 0;
        List<Long> starts = new ArrayList<>();
        FileSystem fs = f.getPath().getFileSystem();
        try (ParquetFileReader reader =
                ParquetFileReader.open(new ParquetInputFile(fs.open(f.getPath()), f.getLen()))) {
            Schema schema = new AvroSchemaConverter()
                    .convert(reader.getFooter().getFileMetaData().getSchema());
            List<String[]> required = new ArrayList<>();
            required.add(new String[] {"source.id-column", columns.id()});
            columns.textColumns().forEach(t -> required.add(new String[] {"source.text-column", t}));
            required.add(new String[] {"source.title-column", columns.title()});
            columns.metadataColumns().forEach(m -> required.add(new String[] {"source.metadata-columns", m}));
            for (String[] col : required) {
                if (col[1] != null && schema.getField(col[1]) == null) {
                    throw new ConfigException("configuration key '" + col[0] + "': column '" + col[1]
                            + "' is not in " + Locations.display(f.getPath()) + "; its columns: "
                            + schema.getFields().stream()
                                    .map(Schema.Field::name)
                                    .toList());
                }
            }
            for (BlockMetaData block : reader.getFooter().getBlocks()) {
                rows += block.getRowCount();
                starts.add(block.getStartingPos());
            }
        }
        starts.sort(null);
        return new FileCheck(rows, new ParquetLayout(f.getLen(), f.getModificationTime(), starts));
    }
}
