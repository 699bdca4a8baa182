package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model.precision=int8} against a table of fp32 vectors (PGlite: a real PostgreSQL + pgvector): the int8 bulk
 * job is refused before its first write with the way on (reindex), the table untouched; reindex with int8 is a model
 * change — a new version built beside the live one and switched to — whose vectors stay close to the fp32 ones.
 */
@Tag("e2e")
class Int8IntoFp32TableTest {

    static PgliteServer pg;
    static Path input;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
        input = dir.resolve("docs.parquet");
        ParquetRows.write(input, ParquetRows.head(TestCorpus.SAMPLE, 80));
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static CliRun run(String command, String precision) {
        List<String> args = new ArrayList<>(List.of(
                command,
                "--input",
                input.toString(),
                "--output",
                dir.resolve(command + "-" + precision).toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "debian",
                "--set",
                "model.precision=" + precision,
                "--set",
                "job.progress-interval=0"));
        if (command.equals("bulk")) {
            args.addAll(List.of("--sink", "pgvector"));
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void int8VectorsAreRefusedByAnFp32TableAndReindexMovesItToInt8() throws Exception {
        CliRun fp32 = run("bulk", "fp32");
        assertThat(fp32.code()).as(fp32.err()).isZero();
        Map<String, float[]> before = vectors();
        Set<String> fp32Fingerprint = fingerprints();
        assertThat(fp32Fingerprint).hasSize(1);

        CliRun int8 = run("bulk", "int8");
        assertThat(int8.code()).isNotZero();
        assertThat(int8.out() + int8.err())
                .contains("table public.debian holds vectors of model builtin:all-minilm-l6-v2")
                .contains("another model.precision")
                .contains("writing would mix two models' vectors")
                .contains("flink-embed reindex");
        assertThat(fingerprints()).isEqualTo(fp32Fingerprint);
        assertThat(vectors()).containsOnlyKeys(before.keySet());

        CliRun reindex = run("reindex", "int8");
        assertThat(reindex.code()).as(reindex.err()).isZero();
        assertThat(reindex.out() + reindex.err()).contains("Model change");
        Set<String> int8Fingerprint = fingerprints();
        assertThat(int8Fingerprint).hasSize(1).doesNotContainAnyElementsOf(fp32Fingerprint);
        Map<String, float[]> after = vectors();
        assertThat(after.keySet()).isEqualTo(before.keySet());
        double worst = 1;
        for (String chunk : before.keySet()) {
            worst = Math.min(worst, Vectors.cosine(before.get(chunk), after.get(chunk)));
        }
        System.out.printf("int8 reindex: %d chunks, worst cosine to the fp32 vectors %.5f%n", after.size(), worst);
        assertThat(worst).isBetween(0.97, 0.99999);

        // Queries of an int8 collection: embedded in int8 when asked, and a hint when not.
        String text = ParquetRows.head(input, 5).get(3).get("text").toString();
        CliRun search = CliRun.of(
                "search",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "debian",
                "--query",
                text,
                "--k",
                "1",
                "--set",
                "model.precision=int8");
        assertThat(search.code()).as(search.err()).isZero();
        assertThat(search.err()).doesNotContain("warning");
        assertThat(search.out()).contains("\"rank\":1");
        CliRun fp32Query =
                CliRun.of("search", "--pg-url", pg.jdbcUrl(), "--table", "debian", "--query", text, "--k", "1");
        assertThat(fp32Query.err()).contains("scores may not be comparable").contains("--set model.precision=int8");

        CliRun versions = CliRun.of("versions", "--pg-url", pg.jdbcUrl(), "--table", "debian");
        assertThat(versions.code()).as(versions.err()).isZero();
        assertThat(versions.out()).contains("\"state\":\"live\"").contains("\"state\":\"previous\"");

        // The int8 bulk job now writes into the int8 version; an fp32 one is refused by the registry.
        CliRun again = run("bulk", "int8");
        assertThat(again.code()).as(again.err()).isZero();
        CliRun back = run("bulk", "fp32");
        assertThat(back.code()).isNotZero();
        assertThat(back.out() + back.err()).contains("writing would mix two models' vectors");
        assertThat(fingerprints()).isEqualTo(int8Fingerprint);
    }

    private static Set<String> fingerprints() throws Exception {
        Set<String> out = new TreeSet<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT DISTINCT model_fingerprint FROM debian")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static Map<String, float[]> vectors() throws Exception {
        Map<String, float[]> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, embedding::text FROM debian")) {
            while (rs.next()) {
                String[] parts = rs.getString(3).replaceAll("[\\[\\]]", "").split(",");
                float[] v = new float[parts.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Float.parseFloat(parts[i]);
                }
                out.put(rs.getString(1) + "#" + rs.getInt(2), v);
            }
        }
        return out;
    }
}
