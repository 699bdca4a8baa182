package dev.flinkembed.operators.sources;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the input files into splits so that one large file is read by every slot: a Parquet file at its row groups
 * (split i runs from row group i's first byte to row group i+1's, so each row group's middle — Parquet's rule for
 * which range owns it — lies in exactly one split), a JSON Lines file into byte ranges (lines are assigned by their
 * first byte, see {@link JsonLinesDocumentFormat}) of at most {@code splitBytes}, smaller when that gives each slot
 * one (but not under 1 MiB). Runs where the FileSource enumerates: on the JobManager.
 */
public final class DocumentSplitter implements FileEnumerator {

    private static final Logger LOG = LoggerFactory.getLogger(DocumentSplitter.class);
    static final long MIN_JSONL_SPLIT = 1 << 20;

    private final String format;
    private final long splitBytes;
    private int nextId;

    public DocumentSplitter(String format, long splitBytes) {
        this.format = format;
        this.splitBytes = splitBytes;
    }

    /** A serializable factory for the FileSource. */
    public static Provider provider(String format, long splitBytes) {
        return () -> new DocumentSplitter(format, splitBytes);
    }

    @Override
    public Collection<FileSourceSplit> enumerateSplits(Path[] paths, int minDesiredSplits) throws IOException {
        List<FileSourceSplit> splits = new ArrayList<>();
        for (Path path : paths) {
            FileSystem fs = path.getFileSystem();
            FileStatus file = fs.getFileStatus(path);
            if (file.getLen() == 0) {
                continue; // nothing to read (and Flink's stream reader refuses empty files)
            }
            int before = splits.size();
            if (DocumentFilesFormat.formatOf(path, format).equals("parquet")) {
                parquetSplits(fs, file, splits);
            } else {
                jsonLinesSplits(file, Math.max(1, minDesiredSplits), splits);
            }
            LOG.debug("{}: {} split(s)", path, splits.size() - before);
        }
        LOG.info("{} input file(s) in {} split(s) for {} reader(s)", paths.length, splits.size(), minDesiredSplits);
        return splits;
    }

    static List<Long> rowGroupStarts(FileSystem fs, FileStatus file) throws IOException {
        try (ParquetFileReader reader =
                ParquetFileReader.open(new ParquetInputFile(fs.open(file.getPath()), file.getLen()))) {
            return reader.getFooter().getBlocks().stream()
                    .map(BlockMetaData::getStartingPos)
                    .sorted()
                    .toList();
        }
    }

    private void parquetSplits(FileSystem fs, FileStatus file, List<FileSourceSplit> splits) throws IOException {
        List<Long> starts = rowGroupStarts(fs, file);
        if (starts.size() <= 1) {
            splits.add(split(file, 0, file.getLen()));
            return;
        }
        for (int i = 0; i < starts.size(); i++) {
            long start = i == 0 ? 0 : starts.get(i);
            long end = i + 1 < starts.size() ? starts.get(i + 1) : file.getLen();
            splits.add(split(file, start, end - start));
        }
    }

    private void jsonLinesSplits(FileStatus file, int slots, List<FileSourceSplit> splits) {
        long perSlot = (file.getLen() + slots - 1) / slots;
        long size = Math.min(splitBytes, Math.max(MIN_JSONL_SPLIT, perSlot));
        for (long offset = 0; offset < file.getLen(); offset += size) {
            splits.add(split(file, offset, Math.min(size, file.getLen() - offset)));
        }
    }

    private FileSourceSplit split(FileStatus file, long offset, long length) {
        return new FileSourceSplit(
                Integer.toString(nextId++), file.getPath(), offset, length, file.getModificationTime(), file.getLen());
    }
}
