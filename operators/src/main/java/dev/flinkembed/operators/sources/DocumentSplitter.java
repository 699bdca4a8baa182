package dev.flinkembed.operators.sources;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * one (but not under 1 MiB). Runs where the FileSource enumerates: on the JobManager. A Parquet file the client already
 * inspected ({@link ParquetLayout}) is cut from what the client read: no footer or status is fetched again.
 */
public final class DocumentSplitter implements FileEnumerator {

    private static final Logger LOG = LoggerFactory.getLogger(DocumentSplitter.class);
    static final long MIN_JSONL_SPLIT = 1 << 20;

    private final String format;
    private final long splitBytes;
    private final Map<String, ParquetLayout> known;
    private int nextId;

    public DocumentSplitter(String format, long splitBytes) {
        this(format, splitBytes, Map.of());
    }

    /** @param known the layouts the client read, by path ({@link Path#toString()}) */
    public DocumentSplitter(String format, long splitBytes, Map<String, ParquetLayout> known) {
        this.format = format;
        this.splitBytes = splitBytes;
        this.known = known;
    }

    /** A serializable factory for the FileSource. */
    public static Provider provider(String format, long splitBytes, Map<String, ParquetLayout> known) {
        HashMap<String, ParquetLayout> copy = new HashMap<>(known); // serializable, whatever map was given
        return () -> new DocumentSplitter(format, splitBytes, copy);
    }

    @Override
    public Collection<FileSourceSplit> enumerateSplits(Path[] paths, int minDesiredSplits) throws IOException {
        List<FileSourceSplit> splits = new ArrayList<>();
        int fromClient = 0;
        for (Path path : paths) {
            ParquetLayout layout = known.get(path.toString());
            if (layout != null) {
                fromClient++;
                splits(path, layout.length(), layout.modificationTime(), layout.rowGroupStarts(), splits);
                continue;
            }
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
        LOG.info(
                "{} input file(s) in {} split(s) for {} reader(s); {} cut from the client's footers",
                paths.length,
                splits.size(),
                minDesiredSplits,
                fromClient);
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
        splits(file.getPath(), file.getLen(), file.getModificationTime(), rowGroupStarts(fs, file), splits);
    }

    private void splits(Path path, long length, long modified, List<Long> starts, List<FileSourceSplit> splits) {
        if (starts.size() <= 1) {
            splits.add(split(path, 0, length, modified, length));
            return;
        }
        for (int i = 0; i < starts.size(); i++) {
            long start = i == 0 ? 0 : starts.get(i);
            long end = i + 1 < starts.size() ? starts.get(i + 1) : length;
            splits.add(split(path, start, end - start, modified, length));
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
        return split(file.getPath(), offset, length, file.getModificationTime(), file.getLen());
    }

    private FileSourceSplit split(Path path, long offset, long length, long modified, long fileLength) {
        return new FileSourceSplit(Integer.toString(nextId++), path, offset, length, modified, fileLength);
    }
}
