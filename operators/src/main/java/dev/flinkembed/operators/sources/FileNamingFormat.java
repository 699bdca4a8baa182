package dev.flinkembed.operators.sources;

import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;

/**
 * A {@link StreamFormat} read as Flink reads it ({@link StreamFormatAdapter}), except that a read failure names the
 * file: a Parquet file truncated while the job runs fails with "cannot read file:/data/part-3.parquet: ..." instead
 * of Parquet's "LocalInputFile@65b104b9 is not a Parquet file".
 */
public final class FileNamingFormat<T> implements BulkFormat<T, FileSourceSplit> {

    private final StreamFormatAdapter<T> delegate;

    public FileNamingFormat(StreamFormat<T> format) {
        this.delegate = new StreamFormatAdapter<>(format);
    }

    @Override
    public Reader<T> createReader(Configuration config, FileSourceSplit split) throws IOException {
        try {
            return new Named<>(delegate.createReader(config, split), split);
        } catch (IOException | RuntimeException e) {
            throw failure(split, e);
        }
    }

    @Override
    public Reader<T> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        try {
            return new Named<>(delegate.restoreReader(config, split), split);
        } catch (IOException | RuntimeException e) {
            throw failure(split, e);
        }
    }

    @Override
    public boolean isSplittable() {
        return delegate.isSplittable();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return delegate.getProducedType();
    }

    /**
     * The original is attached as suppressed, not as the cause: the command line reports a failed job by its root
     * cause, and that must be the line with the path. The original's stack still prints under it.
     */
    static IOException failure(FileSourceSplit split, Exception e) {
        String message = String.valueOf(e.getMessage()).replaceAll("\\S*InputFile@[0-9a-f]+", "the file");
        IOException named = new IOException("cannot read " + split.path() + ": " + e.getClass().getSimpleName() + ": "
                + message);
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
