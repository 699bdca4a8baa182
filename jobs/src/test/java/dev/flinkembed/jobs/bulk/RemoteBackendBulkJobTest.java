package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.remote.FaultyEmbeddingServer;
import dev.flinkembed.runtime.remote.FaultyEmbeddingServer.Fault;
import dev.flinkembed.serve.EmbeddingServer;
import dev.flinkembed.serve.ServeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bulk job with {@code embed.backend=remote}: against {@code serve}, and against a server that misbehaves. */
@Tag("e2e")
class RemoteBackendBulkJobTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Row(String docId, int chunkIndex, String text, float[] vector) {}

    private static List<Row> rows(Path output) throws Exception {
        List<Row> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, text, embedding FROM read_parquet('"
                        + output.resolve("vectors") + "/*.parquet')")) {
            while (rs.next()) {
                Object[] arr = (Object[]) rs.getArray(4).getArray();
                float[] v = new float[arr.length];
                for (int i = 0; i < arr.length; i++) {
                    v[i] = ((Number) arr[i]).floatValue();
                }
                out.add(new Row(rs.getString(1), rs.getInt(2), rs.getString(3), v));
            }
        }
        return out;
    }

    private static String metadata(Path output, String key) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT decode(value) FROM parquet_kv_metadata('"
                        + output.resolve("vectors") + "/*.parquet') WHERE decode(key) = '" + key + "' LIMIT 1")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void againstServeTheVectorsAreTheInProcessOnes() throws Exception {
        Path input = dir.resolve("docs.parquet");
        List<GenericRecord> docs = ParquetRows.head(TestCorpus.SAMPLE, 300);
        ParquetRows.write(input, docs);
        ModelOptions model = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        try (EmbeddingServer server = EmbeddingServer.start(ServeOptions.builder(model, "all-minilm-l6-v2")
                .port(0)
                .threads(16)
                .build())) {
            CliRun run = CliRun.of(
                    "bulk",
                    "--input",
                    input.toString(),
                    "--output",
                    dir.resolve("out").toString(),
                    "--parallelism",
                    "2",
                    "--set",
                    "embed.backend=remote",
                    "--set",
                    "remote.url=" + server.url(),
                    "--set",
                    "remote.model=all-minilm-l6-v2",
                    "--set",
                    "remote.encoding-format=base64");
            assertThat(run.code()).isZero();
        }
        List<Row> rows = rows(dir.resolve("out"));
        Set<String> ids = new HashSet<>();
        rows.forEach(r -> ids.add(r.docId));
        assertThat(ids).hasSize(300);
        double worst = 1;
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(model)) {
            var fresh = m.embed(rows.stream()
                            .map(r -> EmbeddingInput.document(r.text))
                            .toList())
                    .embeddings();
            for (int i = 0; i < rows.size(); i++) {
                worst = Math.min(
                        worst, Vectors.cosine(rows.get(i).vector, fresh.get(i).vector()));
            }
        }
        System.out.printf("remote bulk vs in-process: %d rows, worst cosine %.8f%n", rows.size(), worst);
        assertThat(worst).isGreaterThan(0.99999);
        assertThat(metadata(dir.resolve("out"), "flink-embed.model")).isEqualTo("remote:all-minilm-l6-v2");
    }

    @Test
    void againstAMisbehavingServerNothingIsLostOrDuplicatedAndTheJobEnds() throws Exception {
        Fault[] cycle = {
            Fault.NONE,
            Fault.TOO_MANY_REQUESTS,
            Fault.UNAVAILABLE,
            Fault.SLOW,
            Fault.DROP,
            Fault.MALFORMED,
            Fault.UNAVAILABLE,
            Fault.NONE
        };
        Path input = dir.resolve("docs.jsonl");
        List<String> lines = new ArrayList<>();
        Set<String> expectedIds = new HashSet<>();
        for (GenericRecord r : ParquetRows.head(TestCorpus.SAMPLE, 200)) {
            ObjectNode n = JSON.createObjectNode()
                    .put("id", r.get("id").toString())
                    .put("text", r.get("text").toString());
            lines.add(n.toString());
            expectedIds.add(r.get("id").toString());
        }
        for (int i = 0; i < 3; i++) {
            lines.add(JSON.createObjectNode()
                    .put("id", "refused-" + i)
                    .put("text", FaultyEmbeddingServer.REFUSED_MARKER + " a text the server finds too long " + i)
                    .toString());
        }
        // Answers no index may hold: NaN (a bare NaN token, as Python's json.dumps writes it), null (serde_json's
        // NaN), a vector of half the dimension. Each is one dead letter naming the answer; the rest of its batch lands.
        for (String marker : List.of(
                FaultyEmbeddingServer.NAN_MARKER,
                FaultyEmbeddingServer.NULL_MARKER,
                FaultyEmbeddingServer.SHORT_MARKER)) {
            lines.add(JSON.createObjectNode()
                    .put("id", "invalid-" + marker)
                    .put("text", marker + " a text the server answers badly")
                    .toString());
        }
        Files.write(input, lines);
        try (FaultyEmbeddingServer server = new FaultyEmbeddingServer(
                n -> n <= 60 ? cycle[n % cycle.length] : Fault.NONE,
                64,
                8000)) { // SLOW (8 s) always exceeds the 3 s timeout; healthy answers never do
            CliRun run = CliRun.of(
                    "bulk",
                    "--input",
                    input.toString(),
                    "--output",
                    dir.resolve("out").toString(),
                    "--parallelism",
                    "2",
                    "--set",
                    "embed.backend=remote",
                    "--set",
                    "remote.url=" + server.url(),
                    "--set",
                    "remote.model=fake",
                    "--set",
                    "remote.max-inputs-per-request=8",
                    "--set",
                    "remote.timeout=3s",
                    "--set",
                    "remote.retry-backoff=20ms",
                    "--set",
                    "remote.max-backoff=200ms");
            assertThat(run.code()).isZero();
            List<Row> rows = rows(dir.resolve("out"));
            Set<String> keys = new HashSet<>();
            Set<String> ids = new HashSet<>();
            for (Row r : rows) {
                assertThat(keys.add(r.docId + "#" + r.chunkIndex))
                        .as("%s#%d twice", r.docId, r.chunkIndex)
                        .isTrue();
                assertThat(r.vector).containsExactly(FaultyEmbeddingServer.vectorOf(r.text));
                ids.add(r.docId);
            }
            assertThat(ids).isEqualTo(expectedIds);
            List<String> deadLetters = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir.resolve("out/dead-letter"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    deadLetters.addAll(Files.readAllLines(f));
                }
            }
            assertThat(deadLetters).hasSize(6);
            assertThat(deadLetters)
                    .filteredOn(l -> l.contains("\"doc_id\":\"refused-"))
                    .hasSize(3)
                    .allSatisfy(l -> assertThat(l)
                            .contains("embedding refused: HTTP 400")
                            .contains("maximum context length")
                            .contains("\"kind\":\"refused-by-model\""));
            assertThat(deadLetters)
                    .filteredOn(l -> l.contains("\"kind\":\"invalid-vector\""))
                    .hasSize(3)
                    .anySatisfy(l -> assertThat(l).contains("remote:fake answered NaN at component 3 of 8"))
                    .anySatisfy(l -> assertThat(l).contains("remote:fake answered NaN at component 5 of 8"))
                    .anySatisfy(l -> assertThat(l).contains("answered a vector of 4 dimensions, expected 8"));
            System.out.printf(
                    "remote bulk with faults: %d rows, %d requests served, %d texts answered more than once%n",
                    rows.size(),
                    server.requests.get(),
                    server.answered.values().stream().filter(n -> n > 1).count());
            // Bounded: retries cost a few requests each, never a storm.
            assertThat(server.requests.get()).isLessThan(rows.size() / 2 + 150);
        }
    }

    @Test
    void aServerDownLongerThanTheRetriesFailsTheRunWithTheReasonAndARerunFinishesTheWork() throws Exception {
        Path input = dir.resolve("docs.parquet");
        ParquetRows.write(input, ParquetRows.head(TestCorpus.SAMPLE, 100));
        int port = dev.flinkembed.operators.testing.PgliteServer.freePort(); // nothing listens there yet
        String url = "http://127.0.0.1:" + port + "/v1";
        String[] args = {
            "bulk",
            "--input",
            input.toString(),
            "--output",
            dir.resolve("out").toString(),
            "--set",
            "embed.backend=remote",
            "--set",
            "remote.url=" + url,
            "--set",
            "remote.model=all-minilm-l6-v2",
            "--set",
            "remote.max-retries=2",
            "--set",
            "remote.retry-backoff=50ms",
            "--set",
            "job.progress-interval=0",
            "--set",
            "job.restart-attempts=0"
        };
        CliRun down = CliRun.of(args);
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).contains(url).contains("remote.max-retries");

        ModelOptions model = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        try (EmbeddingServer server = EmbeddingServer.start(
                ServeOptions.builder(model, "all-minilm-l6-v2").port(port).build())) {
            CliRun rerun = CliRun.of(args); // the same command, the same output folder
            assertThat(rerun.code()).as(rerun.err()).isZero();
        }
        Set<String> keys = new HashSet<>();
        for (Row r : rows(dir.resolve("out"))) {
            assertThat(keys.add(r.docId + "#" + r.chunkIndex))
                    .as("%s#%d twice", r.docId, r.chunkIndex)
                    .isTrue();
        }
        assertThat(keys.stream()
                        .map(k -> k.substring(0, k.indexOf('#')))
                        .distinct()
                        .count())
                .isEqualTo(100);
    }
}
