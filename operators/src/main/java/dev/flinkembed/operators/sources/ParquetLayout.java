package dev.flinkembed.operators.sources;

import java.io.Serializable;
import java.util.List;

/**
 * What the client learned from a Parquet file's footer when it checked the input — its size, modification time and
 * the first byte of each row group — handed to the JobManager's {@link DocumentSplitter} so it cuts the splits without
 * reading the footer (or asking for the file's status) a second time: over tens of thousands of objects in S3 that
 * is a second round of requests before the first document is read.
 */
public record ParquetLayout(long length, long modificationTime, List<Long> rowGroupStarts) implements Serializable {

    public ParquetLayout {
        rowGroupStarts = List.copyOf(rowGroupStarts);
    }
}
