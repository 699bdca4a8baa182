package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bulk --sink pgvector} into a real PostgreSQL + pgvector (PGlite), twice, then {@code search}. */
@Tag("e2e")
class BulkToPgvectorTest {

    static PgliteServer pg;
    static List<GenericRecord> docs;
    static Path input;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
        docs = ParquetRows.head(TestCorpus.SAMPLE, 300);
        input = dir.resolve("docs.parquet");
        ParquetRows.write(input, docs);
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static CliRun bulk() {
        return CliRun.of(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("out").toString(),
                "--sink",
                "pgvector",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "debian",
                "--parallelism",
                "2");
    }

    /** Every row with its physical version (xmin): any update, even to identical values, changes it. */
    private static String snapshot() throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT t::text, xmin::text FROM debian t ORDER BY doc_id, chunk_index")) {
            while (rs.next()) {
                sb.append(rs.getString(1))
                        .append(" xmin=")
                        .append(rs.getString(2))
                        .append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void loadingTheSameCorpusTwiceLeavesTheTableUnchangedAndSearchFindsADocumentByItsText() throws Exception {
        assertThat(bulk().code()).isZero();
        String first = snapshot();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(DISTINCT doc_id), count(*) FROM debian")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(300);
            assertThat(rs.getInt(2)).isGreaterThanOrEqualTo(300);
        }
        assertThat(bulk().code()).isZero();
        assertThat(snapshot()).isEqualTo(first);

        for (int i : new int[] {7, 123, 250}) {
            GenericRecord doc = docs.get(i);
            CliRun run = CliRun.of(
                    "search",
                    "--pg-url",
                    pg.jdbcUrl(),
                    "--table",
                    "debian",
                    "--query",
                    doc.get("text").toString(),
                    "--k",
                    "3");
            assertThat(run.code()).isZero();
            List<String> lines =
                    run.out().lines().filter(l -> l.startsWith("{")).toList();
            assertThat(lines).hasSize(3);
            JsonNode best = new ObjectMapper().readTree(lines.get(0));
            assertThat(best.get("rank").asInt()).isEqualTo(1);
            assertThat(best.get("doc_id").asText()).isEqualTo(doc.get("id").toString());
            assertThat(best.get("score").asDouble()).isGreaterThan(0.8);
            assertThat(run.err()).doesNotContain("warning");
        }

        // Rows written by other weights (same model name): the query's vectors may not be comparable — say so.
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE debian SET model_fingerprint = 'weights-of-another-build'");
        }
        CliRun mismatched = CliRun.of(
                "search",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "debian",
                "--query",
                docs.get(7).get("text").toString(),
                "--k",
                "3");
        assertThat(mismatched.code()).isZero();
        assertThat(mismatched.err())
                .contains("warning: public.debian was embedded with builtin:all-minilm-l6-v2 "
                        + "(fingerprint weights-of-another-build)")
                .contains("scores may not be comparable");
    }
}
