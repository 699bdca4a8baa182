package dev.flinkembed.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.operators.testing.ParquetRows;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corpora, outputs and the model in object storage, on a standalone cluster as users run it: a real S3 API server
 * (s3proxy, signatures enforced), Flink's own S3 file system ({@code flink-s3-fs-hadoop}) installed as a plugin
 * (plugins/s3-fs-hadoop/) of the JobManager, the TaskManager (2 slots) and the {@code flink} client, configured with
 * the few {@code s3.*} keys of docs/deployment.md. What the jobs wrote is downloaded by the test's own S3 client and read with
 * DuckDB.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObjectStorageOnClusterIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "s3://models/qwen3-embedding-tiny";

    @TempDir
    static Path dir;

    static S3Server s3;
    static StandaloneCluster cluster;
    static final Set<String> corpusIds = new HashSet<>();
    /** Golden document texts → their vectors from the independent reference implementation. */
    static final Map<String, float[]> golden = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start(
                Files.createDirectories(dir.resolve("s3")),
                "flinkembed",
                "secret-" + Long.toHexString(System.nanoTime()));
        for (String bucket : List.of("corpus", "vectors", "models")) {
            s3.createBucket(bucket);
        }
        // The corpus: 200 Debian descriptions in Parquet, the fixture's golden documents and two malformed lines in
        // JSON Lines, side by side under one prefix.
        List<GenericRecord> rows = ParquetRows.head(TestCorpus.SAMPLE, 200);
        rows.forEach(r -> corpusIds.add(r.get("id").toString()));
        Path parquet = dir.resolve("part-0.parquet");
        ParquetRows.write(parquet, rows);
        s3.putFile("corpus", "debian/part-0.parquet", parquet);
        Path fixture = TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny");
        StringBuilder jsonl = new StringBuilder();
        int i = 0;
        for (JsonNode c : JSON.readTree(fixture.resolve("golden.json").toFile()).path("cases")) {
            if (c.path("kind").asText().equals("document")
                    && !c.path("text").asText().isBlank()) {
                String id = "golden-" + i++;
                golden.put(id, floats(c.path("embedding")));
                jsonl.append(JSON.writeValueAsString(
                                Map.of("id", id, "text", c.path("text").asText())))
                        .append('\n');
            }
        }
        jsonl.append("{\"id\": \"broken-1\", \"text\": \n");
        jsonl.append("{\"id\": \"broken-2\"}\n");
        s3.put("corpus", "debian/part-1.jsonl", jsonl.toString().getBytes(StandardCharsets.UTF_8));
        s3.putFolder("models", "qwen3-embedding-tiny", fixture);

        Map<String, String> settings = new HashMap<>(s3.flinkSettings());
        settings.put("taskmanager.numberOfTaskSlots", "2");
        cluster = StandaloneCluster.start(dir.resolve("cluster"), settings);
        cluster.environment.put(
                "FLINK_EMBED_MODEL_CACHE",
                dir.resolve("taskmanager-model-cache").toString());
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
        // The client (flink run) checks the model too: its own cache, so that the TaskManager's copy is its own.
        cluster.environment.put(
                "FLINK_EMBED_MODEL_CACHE", dir.resolve("client-model-cache").toString());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static StandaloneCluster.CliResult bulk(String input, String output, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "run",
                StandaloneCluster.jobJar().toString(),
                "bulk",
                "--input",
                input,
                "--output",
                output,
                "--model",
                MODEL,
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=2s"));
        args.addAll(List.of(more));
        StandaloneCluster.CliResult run = cluster.flink(args.toArray(String[]::new));
        System.out.println("bulk " + input + " → " + output + ":\n" + run.output());
        return run;
    }

    @Test
    @Order(1)
    void aCorpusInABucketIsEmbeddedIntoAnotherWithTheModelFromAThird() throws Exception {
        StandaloneCluster.CliResult run = bulk("s3://corpus/debian/", "s3://vectors/run-1");
        assertThat(run.exitCode()).as(run.output()).isZero();

        Path vectors = dir.resolve("downloaded/run-1");
        assertThat(s3.download("vectors", "run-1/vectors/", ".parquet", vectors))
                .isNotEmpty();
        Set<String> expected = new HashSet<>(corpusIds);
        expected.addAll(golden.keySet());
        Map<String, float[]> goldenFound = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement()) {
            String files = "read_parquet('" + vectors + "/*.parquet')";
            try (ResultSet rs = s.executeQuery("SELECT count(DISTINCT doc_id), count(*), "
                    + "count(DISTINCT doc_id || '#' || chunk_index), min(model) FROM " + files)) {
                rs.next();
                assertThat(rs.getLong(1)).as("documents").isEqualTo(expected.size());
                assertThat(rs.getLong(3)).as("each chunk once").isEqualTo(rs.getLong(2));
                assertThat(rs.getString(4)).isEqualTo("qwen3-embedding-tiny");
            }
            Set<String> ids = new HashSet<>();
            try (ResultSet rs = s.executeQuery("SELECT DISTINCT doc_id FROM " + files)) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            assertThat(ids).isEqualTo(expected);
            try (ResultSet rs = s.executeQuery(
                    "SELECT doc_id, embedding FROM " + files + " WHERE doc_id LIKE 'golden-%' AND chunk_count = 1")) {
                while (rs.next()) {
                    Object[] values = (Object[]) rs.getArray(2).getArray();
                    float[] v = new float[values.length];
                    for (int k = 0; k < v.length; k++) {
                        v[k] = ((Number) values[k]).floatValue();
                    }
                    goldenFound.put(rs.getString(1), v);
                }
            }
        }
        assertThat(goldenFound)
                .as("golden documents embedded in one chunk each")
                .hasSize(golden.size());
        double worst = 1;
        for (Map.Entry<String, float[]> e : goldenFound.entrySet()) {
            worst = Math.min(worst, cosine(e.getValue(), golden.get(e.getKey())));
        }
        System.out.printf(
                "model from s3: worst cosine to the golden vectors over %d documents: %.8f%n",
                goldenFound.size(), worst);
        assertThat(worst).isGreaterThanOrEqualTo(0.99999);

        List<String> letters = new ArrayList<>();
        for (Path f : s3.download("vectors", "run-1/dead-letter/", "", dir.resolve("downloaded/run-1-dead"))) {
            Files.readAllLines(f).stream().filter(l -> !l.isBlank()).forEach(letters::add);
        }
        assertThat(letters).hasSize(2);
        assertThat(String.join("\n", letters))
                .contains("broken-1")
                .contains("broken-2")
                .contains("text");

        String tmLogs = cluster.taskManagerLogs();
        assertThat(count(tmLogs, "Model " + MODEL + ": copied"))
                .as("copies on the TaskManager")
                .isEqualTo(1);
    }

    @Test
    @Order(2)
    void oneBigParquetFileIsReadByBothSlotsEachRowOnce() throws Exception {
        Schema schema = SchemaBuilder.record("doc")
                .fields()
                .requiredString("id")
                .requiredString("text")
                .endRecord();
        List<GenericRecord> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            GenericRecord r = new GenericData.Record(schema);
            r.put("id", "row-" + i);
            r.put("text", "document number " + i);
            rows.add(r);
        }
        Path big = dir.resolve("big.parquet");
        ParquetRows.write(big, rows, 1_000);
        s3.putFile("corpus", "big/big.parquet", big);

        StandaloneCluster.CliResult run = bulk("s3://corpus/big/big.parquet", "s3://vectors/big");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("Done: 20000/20000 documents read");

        Path vectors = dir.resolve("downloaded/big");
        s3.download("vectors", "big/vectors/", ".parquet", vectors);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*), count(DISTINCT doc_id) FROM read_parquet('" + vectors + "/*.parquet')")) {
            rs.next();
            assertThat(rs.getLong(1)).as("chunks").isEqualTo(20_000);
            assertThat(rs.getLong(2)).as("documents").isEqualTo(20_000);
        }
        // Flink's own account of the source: both subtasks read a share of the one file.
        JsonNode job = cluster.restOrNull("/jobs/" + run.jobId());
        JsonNode source = null;
        for (JsonNode v : job.path("vertices")) {
            if (v.path("name").asText().contains("read parquet")) {
                source = v;
            }
        }
        assertThat(source).as("the source vertex in %s", job).isNotNull();
        JsonNode subtasks = cluster.restOrNull(
                "/jobs/" + run.jobId() + "/vertices/" + source.path("id").asText());
        List<Long> written = new ArrayList<>();
        for (JsonNode st : subtasks.path("subtasks")) {
            written.add(st.path("metrics").path("write-records").asLong());
        }
        System.out.println("records out of each source subtask: " + written);
        assertThat(written).hasSize(2).allSatisfy(n -> assertThat(n).isGreaterThan(0L));
        assertThat(written.stream().mapToLong(Long::longValue).sum()).isEqualTo(20_000);
        String tmLogs = cluster.taskManagerLogs();
        assertThat(count(tmLogs, "Model " + MODEL + ": copied"))
                .as("no second copy for a second job")
                .isEqualTo(1);
        assertThat(tmLogs).contains("Model " + MODEL + ": reusing the local copy");
    }

    @Test
    @Order(3)
    void wrongCredentialsMissingBucketsAndObjectsStopBeforeAnyDataMoves() throws Exception {
        Path wrongConf = Files.createDirectories(dir.resolve("wrong-credentials-conf"));
        for (String f : List.of("config.yaml", "log4j-cli.properties")) {
            String text = Files.readString(cluster.confDir.resolve(f));
            Files.writeString(
                    wrongConf.resolve(f),
                    f.equals("config.yaml") ? text.replace(s3.secretKey, "not-the-secret") : text);
        }
        StandaloneCluster.CliResult wrong = cluster.flinkWithConf(
                wrongConf,
                "run",
                StandaloneCluster.jobJar().toString(),
                "bulk",
                "--input",
                "s3://corpus/debian/",
                "--output",
                "s3://vectors/wrong-credentials",
                "--model",
                MODEL);
        System.out.println("wrong credentials:\n" + wrong.output());
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.output())
                .contains("s3://corpus/debian/")
                .containsIgnoringCase("access denied")
                .doesNotContain(s3.secretKey)
                .doesNotContain("not-the-secret");

        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("missing bucket", new String[] {"s3://no-such-bucket/corpus/", MODEL});
        cases.put("missing object", new String[] {"s3://corpus/debian/part-9.parquet", MODEL});
        cases.put("missing model", new String[] {"s3://corpus/debian/", "s3://models/no-such-model"});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            String out = "s3://vectors/" + c.getKey().replace(' ', '-');
            StandaloneCluster.CliResult run = cluster.flink(
                    "run",
                    StandaloneCluster.jobJar().toString(),
                    "bulk",
                    "--input",
                    c.getValue()[0],
                    "--output",
                    out,
                    "--model",
                    c.getValue()[1]);
            System.out.println(c.getKey() + ":\n" + run.output());
            assertThat(run.exitCode()).as(c.getKey()).isEqualTo(2);
            String named = c.getKey().equals("missing model") ? c.getValue()[1] : c.getValue()[0];
            assertThat(run.output())
                    .as(c.getKey())
                    .containsPattern(
                            "error: configuration key '[a-z.]+': .*" + Pattern.quote(named.replaceAll("/$", "")))
                    .doesNotContain(s3.secretKey)
                    .containsIgnoringCase(
                            c.getKey().equals("missing bucket") ? "bucket does not exist" : "does not exist");
            assertThat(s3.list("vectors", c.getKey().replace(' ', '-') + "/"))
                    .as("nothing written for %s", c.getKey())
                    .isEmpty();
        }
    }

    @Test
    @Order(4)
    void theSecretKeyIsInNoLog() throws Exception {
        // Flink's configuration holds it (s3.secret-key) and Flink masks it when it logs its configuration; neither
        // flink-embed nor the file system may print it anywhere else.
        List<String> searched = new ArrayList<>();
        try (var logs = Files.list(cluster.logDir)) {
            for (Path f : logs.sorted().toList()) {
                assertThat(Files.readString(f, StandardCharsets.ISO_8859_1))
                        .as("%s", f.getFileName())
                        .doesNotContain(s3.secretKey);
                searched.add(f.getFileName().toString());
            }
        }
        System.out.println("secret key in none of " + searched);
        assertThat(searched)
                .anyMatch(f -> f.startsWith("taskmanager"))
                .anyMatch(f -> f.startsWith("jobmanager"))
                .anyMatch(f -> f.startsWith("client"));
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) array.get(i).asDouble();
        }
        return v;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * (double) b[i];
            na += a[i] * (double) a[i];
            nb += b[i] * (double) b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
