package dev.flinkembed.operators.sources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.testing.ParquetRows;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Big files read in parallel: every record exactly once, whatever the splits. */
class DocumentSplitterTest {

    @TempDir
    java.nio.file.Path dir;

    private final ParquetColumns columns = new ParquetColumns("id", "text", null);

    /** Documents doc-0 … doc-(n-1) with texts of varied length. */
    private static List<GenericRecord> documents(int n) {
        Schema schema = SchemaBuilder.record("doc")
                .fields()
                .requiredString("id")
                .requiredString("text")
                .endRecord();
        List<GenericRecord> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GenericRecord r = new GenericData.Record(schema);
            r.put("id", "doc-" + i);
            r.put("text", "text of document " + i + " ".repeat(i % 7));
            rows.add(r);
        }
        return rows;
    }

    @Test
    void aLayoutTheClientReadIsCutWithoutTouchingTheFileAgain() throws IOException {
        List<GenericRecord> rows = documents(500);
        java.nio.file.Path file = dir.resolve("known.parquet");
        ParquetRows.write(file, rows, 100);
        Path path = new Path(file.toUri());
        List<FileSourceSplit> fromFooter =
                List.copyOf(new DocumentSplitter("auto", 64 << 20).enumerateSplits(new Path[] {path}, 2));
        org.apache.flink.core.fs.FileStatus status = path.getFileSystem().getFileStatus(path);
        ParquetLayout layout = new ParquetLayout(
                status.getLen(),
                status.getModificationTime(),
                DocumentSplitter.rowGroupStarts(path.getFileSystem(), status));
        java.nio.file.Files.delete(file); // from here on any read of the file would fail

        List<FileSourceSplit> fromLayout =
                List.copyOf(new DocumentSplitter("auto", 64 << 20, java.util.Map.of(path.toString(), layout))
                        .enumerateSplits(new Path[] {path}, 2));

        assertThat(fromLayout).hasSize(5);
        assertThat(fromLayout)
                .extracting(s -> List.of(s.offset(), s.length(), s.fileSize(), s.fileModificationTime()))
                .containsExactlyElementsOf(fromFooter.stream()
                        .map(s -> List.of(s.offset(), s.length(), s.fileSize(), s.fileModificationTime()))
                        .toList());
    }

    @Test
    void aParquetFileIsSplitAtItsRowGroupsAndEachRowIsReadOnce() throws IOException {
        List<GenericRecord> rows = documents(2_000);
        java.nio.file.Path file = dir.resolve("big.parquet");
        ParquetRows.write(file, rows, 100);

        Collection<FileSourceSplit> splits =
                new DocumentSplitter("auto", 64 << 20).enumerateSplits(new Path[] {new Path(file.toUri())}, 2);

        assertThat(splits).hasSize(20);
        List<ParsedRecord> read = readAll(splits);
        assertThat(read)
                .extracting(r -> r.document.id)
                .containsExactlyElementsOf(
                        rows.stream().map(r -> r.get("id").toString()).toList());
        // Row numbers in dead letters stay those of the file, whichever split read the row.
        GenericRecord bad = new GenericData.Record(SchemaBuilder.record("doc")
                .fields()
                .requiredString("id")
                .requiredInt("text")
                .endRecord());
        List<GenericRecord> badRows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            GenericRecord r = new GenericData.Record(bad.getSchema());
            r.put("id", "bad-" + i);
            r.put("text", i);
            badRows.add(r);
        }
        java.nio.file.Path badFile = dir.resolve("bad.parquet");
        ParquetRows.write(badFile, badRows, 100);
        List<ParsedRecord> letters = readAll(
                new DocumentSplitter("auto", 64 << 20).enumerateSplits(new Path[] {new Path(badFile.toUri())}, 2));
        assertThat(letters).hasSize(300);
        assertThat(letters.get(250).deadLetter.source).isEqualTo("parquet row 250");
    }

    @Test
    void jsonLinesSplitAnywhereReadEveryLineOnce() throws IOException {
        StringBuilder text = new StringBuilder();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add("d" + i);
            // Varied lengths, multi-byte characters, CRLF line ends, blank lines between.
            text.append("{\"id\":\"d")
                    .append(i)
                    .append("\",\"text\":\"t")
                    .append("é€".repeat(i % 5))
                    .append("x".repeat(i))
                    .append("\"}")
                    .append(i % 3 == 0 ? "\r\n" : "\n")
                    .append(i % 4 == 0 ? "\n" : "");
        }
        java.nio.file.Path file = dir.resolve("docs.jsonl");
        Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
        long length = Files.size(file);
        for (long size = 1; size <= 90; size++) { // every split size cuts lines at every kind of place
            Collection<FileSourceSplit> splits =
                    new DocumentSplitter("auto", size).enumerateSplits(new Path[] {new Path(file.toUri())}, 1);
            assertThat(splits).hasSize((int) ((length + size - 1) / size));
            assertThat(readAll(splits))
                    .as("split size %d", size)
                    .extracting(r -> r.document != null ? r.document.id : r.deadLetter.reason)
                    .containsExactlyElementsOf(ids);
        }
    }

    @Test
    void jsonLinesSplitsGiveEverySlotAShareButNoneUnderOneMebibyte() throws IOException {
        java.nio.file.Path file = dir.resolve("docs.jsonl");
        Files.writeString(file, "{\"id\":\"a\",\"text\":\"b\"}\n".repeat(200_000)); // 4.6 MB
        assertThat(new DocumentSplitter("auto", 64 << 20).enumerateSplits(new Path[] {new Path(file.toUri())}, 2))
                .hasSize(2);
        assertThat(new DocumentSplitter("auto", 64 << 20).enumerateSplits(new Path[] {new Path(file.toUri())}, 64))
                .hasSize(5);
    }

    private List<ParsedRecord> readAll(Collection<FileSourceSplit> splits) throws IOException {
        DocumentFilesFormat format = new DocumentFilesFormat("auto", columns, DocumentFields.DEFAULT);
        List<ParsedRecord> out = new ArrayList<>();
        for (FileSourceSplit split : splits) {
            BulkFormat.Reader<ParsedRecord> reader = format.createReader(new Configuration(), split);
            BulkFormat.RecordIterator<ParsedRecord> batch;
            while ((batch = reader.readBatch()) != null) {
                RecordAndPosition<ParsedRecord> r;
                while ((r = batch.next()) != null) {
                    out.add(r.getRecord());
                }
                batch.releaseBatch();
            }
            reader.close();
        }
        return out;
    }
}
