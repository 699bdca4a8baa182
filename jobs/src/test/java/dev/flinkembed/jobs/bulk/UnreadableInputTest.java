package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that cannot be read: found before any data moves and named (exit 2), left out with one dead letter each under
 * {@code --on-unreadable-file skip}, and a file that breaks while the job reads it fails the job with its path.
 */
class UnreadableInputTest {

    @TempDir
    Path dir;

    Path good;
    Path truncated;

    @BeforeEach
    void files() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        good = TestCorpus.writeDocuments(dir.resolve("in/good.parquet"), documents("good", 12));
        Path whole = TestCorpus.writeDocuments(dir.resolve("whole.parquet"), documents("cut", 12));
        byte[] bytes = Files.readAllBytes(whole);
        truncated = dir.resolve("in/truncated.parquet"); // as a copy interrupted half-way leaves it
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    }

    @Test
    void aTruncatedFileAloneIsAConfigurationErrorNamingIt() {
        CliRun r = bulk(truncated, dir.resolve("out"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains(truncated.toString())
                .contains("cannot be read")
                .contains("source.on-unreadable-file=skip")
                .doesNotContain("LocalInputFile@");
        assertThat(dir.resolve("out")).doesNotExist(); // nothing moved, nothing created
    }

    @Test
    void aTruncatedFileNextToAGoodOneStopsTheRunBeforeAnyDataMoves() {
        CliRun r = bulk(dir.resolve("in"), dir.resolve("out"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(truncated.toString()).doesNotContain(good.toString());
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void withSkipTheGoodFileIsEmbeddedAndTheBadOneIsOneDeadLetter() throws Exception {
        Path out = dir.resolve("out");
        CliRun r = bulk(dir.resolve("in"), out, "--on-unreadable-file", "skip");
        assertThat(r.code()).as(r.err()).isZero();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
                ResultSet rs = duck.createStatement()
                        .executeQuery("SELECT count(DISTINCT doc_id), count(*) FROM " + "read_parquet('"
                                + out.resolve("vectors") + "/*.parquet') WHERE doc_id LIKE 'good-%'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(12);
            assertThat(rs.getLong(2)).isEqualTo(12);
        }
        List<JsonNode> letters = deadLetters(out);
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).get("source").asText())
                .isEqualTo(truncated.toAbsolutePath().toString());
        assertThat(letters.get(0).get("reason").asText())
                .startsWith("unreadable file, skipped")
                .contains("not a Parquet file");
    }

    @Test
    void aFileThatBreaksWhileTheJobReadsItFailsTheJobWithItsPath() throws Exception {
        // The footer stays intact (so the check before the job passes), the first data page header is zeroed.
        Path broken = dir.resolve("broken.parquet");
        Files.copy(good, broken);
        try (RandomAccessFile f = new RandomAccessFile(broken.toFile(), "rw")) {
            f.seek(4);
            f.write(new byte[64]);
        }
        CliRun r = bulk(broken, dir.resolve("out"), "--set", "job.restart-attempts=0"); // it would break again
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("cannot read file:" + broken.toAbsolutePath());
    }

    private static Map<String, String> documents(String prefix, int n) {
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            docs.put(prefix + "-" + i, "Document " + i + " of " + prefix + ": a package for the Debian archive.");
        }
        return docs;
    }

    private static List<JsonNode> deadLetters(Path out) throws Exception {
        List<JsonNode> letters = new ArrayList<>();
        try (Stream<Path> files = Files.list(out.resolve("dead-letter"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    letters.add(new ObjectMapper().readTree(line));
                }
            }
        }
        return letters;
    }

    private static CliRun bulk(Path input, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "bulk", "--input", input.toString(), "--output", out.toString(), "--set", "job.progress-interval=0"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }
}
