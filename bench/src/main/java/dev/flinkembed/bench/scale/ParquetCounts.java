package dev.flinkembed.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;

/** Rows in the visible Parquet files under a folder, from their footers (no data pages read). */
final class ParquetCounts {

    private ParquetCounts() {}

    /** Files whose name starts with '.' or '_' (in-progress parts, markers) and dead letters are not counted. */
    static long rows(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> all = Files.walk(dir)) {
            files = all.filter(p -> p.toString().endsWith(".parquet"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !p.getFileName().toString().startsWith("_"))
                    .filter(p -> !dir.relativize(p).toString().startsWith("dead-letter"))
                    .toList();
        } catch (java.io.UncheckedIOException e) {
            return 0; // a file committed or removed while walking: the next poll sees it
        }
        long rows = 0;
        for (Path f : files) {
            try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(f))) {
                rows += r.getRecordCount();
            } catch (IOException e) {
                // renamed between the walk and the open
            }
        }
        return rows;
    }
}
