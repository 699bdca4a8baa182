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

    /** "N part files, M MB, the largest L MB": how the output is cut. */
    static String files(Path dir) throws IOException {
        List<Path> files = visible(dir);
        long total = 0;
        long largest = 0;
        for (Path f : files) {
            long size = Files.size(f);
            total += size;
            largest = Math.max(largest, size);
        }
        return String.format("%d part files, %d MB, the largest %d MB", files.size(), total >> 20, largest >> 20);
    }

    /** Files whose name starts with '.' or '_' (in-progress parts, markers) and dead letters are not counted. */
    static long rows(Path dir) throws IOException {
        long rows = 0;
        for (Path f : visible(dir)) {
            try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(f))) {
                rows += r.getRecordCount();
            } catch (IOException e) {
                // renamed between the walk and the open
            }
        }
        return rows;
    }

    private static List<Path> visible(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> all = Files.walk(dir)) {
            files = all.filter(p -> p.toString().endsWith(".parquet"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !p.getFileName().toString().startsWith("_"))
                    .filter(p -> !dir.relativize(p).toString().startsWith("dead-letter"))
                    .toList();
        } catch (java.io.UncheckedIOException e) {
            return List.of(); // a file committed or removed while walking: the next poll sees it
        }
        return files;
    }
}
