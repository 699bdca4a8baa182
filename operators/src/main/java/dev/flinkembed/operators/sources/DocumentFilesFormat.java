package dev.flinkembed.operators.sources;

import java.io.IOException;
import java.util.Locale;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.core.fs.Path;

/**
 * The documents of Parquet and JSON Lines files, read as Flink reads a {@code StreamFormat}
 * ({@link StreamFormatAdapter}), each file in its own format (the configured one, or by its extension with
 * {@code auto}), and a read failure names the file: a Parquet file truncated while the job runs fails with
 * "cannot read file:/data/part-3.parquet: ..." instead of Parquet's "LocalInputFile@65b104b9 is not a Parquet file".
 */
public final class DocumentFilesFormat implements BulkFormat<ParsedRecord, FileSourceSplit> {

    private final String format;
    private final StreamFormatAdapter<ParsedRecord> parquet;
    private final StreamFormatAdapter<ParsedRecord> jsonl;

    /** {@code format}: parquet, jsonl, or auto (by each file's extension). */
    public DocumentFilesFormat(String format, ParquetColumns columns, DocumentFields jsonFields) {
        this.format = format;
        this.parquet = new StreamFormatAdapter<>(new ParquetDocumentFormat(columns));
        this.jsonl = new StreamFormatAdapter<>(new JsonLinesDocumentFormat(jsonFields));
    }

    /** parquet or jsonl by a file's name ({@code .parquet}; {@code .jsonl}, {@code .json}, {@code .ndjson}), else null. */
    public static String formatOfName(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        return name.endsWith(".parquet")
                ? "parquet"
                : name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson") ? "jsonl" : null;
    }

    /** The format a file is read in: the configured one, or with {@code auto} the one its name says. */
    public static String formatOf(Path file, String configured) {
        if (!configured.equals("auto")) {
            return configured;
        }
        String byName = formatOfName(file.getName());
        if (byName == null) {
            throw new IllegalArgumentException("cannot tell the format of " + file + " from its extension");
        }
        return byName;
    }

    private StreamFormatAdapter<ParsedRecord> adapter(FileSourceSplit split) {
        return formatOf(split.path(), format).equals("parquet") ? parquet : jsonl;
    }

    @Override
    public Reader<ParsedRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        try {
            return new Named<>(adapter(split).createReader(config, split), split);
        } catch (IOException | RuntimeException e) {
            throw failure(split, e);
        }
    }

    @Override
    public Reader<ParsedRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        try {
            return new Named<>(adapter(split).restoreReader(config, split), split);
        } catch (IOException | RuntimeException e) {
            throw failure(split, e);
        }
    }

    @Override
    public boolean isSplittable() {
        return true;
    }

    @Override
    public TypeInformation<ParsedRecord> getProducedType() {
        return TypeInformation.of(ParsedRecord.class);
    }

    /**
     * The original is attached as suppressed, not as the cause: the command line reports a failed job by its root
     * cause, and that must be the line with the path. The original's stack still prints under it.
     */
    static IOException failure(FileSourceSplit split, Exception e) {
        String message = String.valueOf(e.getMessage()).replaceAll("\\S*InputFile@[0-9a-f]+", "the file");
        IOException named = new IOException(
                "cannot read " + split.path() + ": " + e.getClass().getSimpleName() + ": " + message);
        named.addSuppressed(e);
        return named;
    }

    private static final class Named<T> implements Reader<T> {
        private final Reader<T> reader;
        private final FileSourceSplit split;

        Named(Reader<T> reader, FileSourceSplit split) {
            this.reader = reader;
            this.split = split;
        }

        @Override
        public RecordIterator<T> readBatch() throws IOException {
            try {
                return reader.readBatch();
            } catch (IOException | RuntimeException e) {
                throw failure(split, e);
            }
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
