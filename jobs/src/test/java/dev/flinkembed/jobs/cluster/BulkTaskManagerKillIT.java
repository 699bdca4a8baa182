package dev.flinkembed.jobs.cluster;

import static dev.flinkembed.jobs.stream.StreamExpectations.expectedChunks;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.operators.metrics.SumTokens;
import dev.flinkembed.operators.testing.PgliteServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bulk run on the standalone cluster whose only TaskManager is killed with SIGKILL mid-run, a new one started as
 * Kubernetes would: Flink restarts what was lost (job.restart-attempts, fixed-delay), the client still exits 0, and
 * the Parquet output and the pgvector table each hold every expected chunk exactly once.
 */
@Tag("e2e")
class BulkTaskManagerKillIT {

    /** Enough work (about 40 s on 2 slots) for the JobManager to see progress before the kill. */
    static final int COPIES = 3;

    @TempDir
    static Path dir;

    static StandaloneCluster cluster;
    static PgliteServer pg;
    static Path input;
    static Map<String, String> texts = new LinkedHashMap<>();
    static Map<String, ?> expected;

    @BeforeAll
    static void start() throws Exception {
        for (GenericRecord r : TestCorpus.replicated(COPIES)) {
            texts.put(r.get("id").toString(), r.get("text").toString());
        }
        input = TestCorpus.writeDocuments(dir.resolve("corpus.parquet"), texts);
        expected = expectedChunks(JobConfig.defaults(), texts);
        pg = PgliteServer.start();
        cluster = StandaloneCluster.start(dir.resolve("cluster"), Map.of("taskmanager.numberOfTaskSlots", "2"));
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void parquetOutputHoldsEachChunkOnceAfterAKilledTaskManager() throws Exception {
        Path out = dir.resolve("parquet-out");
        runWithAKill("parquet", "--output", out.toString());
        List<String> keys = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT doc_id || '#' || chunk_index FROM read_parquet('" + out.resolve("vectors")
                                + "/*.parquet')")) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        assertExactlyOnce(keys);
    }

    @Test
    void pgvectorTableHoldsEachChunkOnceAfterAKilledTaskManager() throws Exception {
        runWithAKill(
                "pgvector",
                "--sink",
                "pgvector",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "killed_bulk",
                "--output",
                dir.resolve("pg-out").toString());
        List<String> keys = new ArrayList<>();
        try (Connection c = pg.connect();
                ResultSet rs =
                        c.createStatement().executeQuery("SELECT doc_id || '#' || chunk_index FROM killed_bulk")) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        assertExactlyOnce(keys);
    }

    private static void assertExactlyOnce(List<String> keys) {
        assertThat(keys).as("no chunk twice").doesNotHaveDuplicates();
        assertThat(keys).as("every chunk").containsExactlyInAnyOrderElementsOf(expected.keySet());
    }

    private static void runWithAKill(String name, String... sink) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "run",
                StandaloneCluster.jobJar().toString(),
                "bulk",
                "--input",
                input.toString(),
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=1s"));
        args.addAll(List.of(sink));
        Process client = cluster.flinkAsync(args.toArray(String[]::new));
        StringBuilder output = new StringBuilder();
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        Pattern submitted = Pattern.compile("Submitted [^(]*\\(([0-9a-f]{32})\\)");
        String jobId = null;
        for (String line; jobId == null && (line = lines.readLine()) != null; ) {
            output.append(line).append('\n');
            Matcher m = submitted.matcher(line);
            jobId = m.find() ? m.group(1) : null;
        }
        assertThat(jobId).as(output.toString()).isNotNull();
        Thread drain = new Thread(() -> lines.lines().forEach(l -> {
            synchronized (output) {
                output.append(l).append('\n');
            }
        }));
        drain.start();

        String job = jobId;
        cluster.waitFor("20,000 tokens embedded", () -> tokensEmbedded(job) >= 20_000, Duration.ofMinutes(3));
        long atKill = tokensEmbedded(job);
        Process killed = cluster.taskManagers().get(cluster.taskManagers().size() - 1);
        killed.destroyForcibly(); // SIGKILL: no shutdown hook, no cancellation, its slots and results gone
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        cluster.startTaskManager(); // as Kubernetes restarts a TaskManager pod
        assertThat(client.waitFor(5, TimeUnit.MINUTES)).as("the run ends").isTrue();
        drain.join(10_000);
        // The failures Flink recovered from stay in the job's exception history after it finished.
        JsonNode history = cluster.restOrNull("/jobs/" + job + "/exceptions")
                .path("exceptionHistory")
                .path("entries");
        System.out.printf(
                "bulk (%s) on cluster: TaskManager killed at %d tokens embedded (%d chunks expected), %d "
                        + "failure(s) recovered: %s%n%s",
                name,
                atKill,
                expected.size(),
                history.size(),
                history.path(0).path("exceptionName").asText(),
                output);
        assertThat(atKill).as("the kill comes mid-run").isLessThan(150_000);
        assertThat(client.exitValue()).as(output.toString()).isZero();
        assertThat(history.size())
                .as("Flink recovered from the lost TaskManager")
                .isGreaterThanOrEqualTo(1);
    }

    /** The tokens-embedded accumulator as the JobManager has it (updated with TaskManager heartbeats). */
    private static long tokensEmbedded(String jobId) {
        JsonNode acc = cluster.restOrNull("/jobs/" + jobId + "/accumulators");
        if (acc == null) {
            return 0;
        }
        for (JsonNode a : acc.path("user-task-accumulators")) {
            if (a.path("name").asText().equals(SumTokens.TOKENS_EMBEDDED)) {
                return Long.parseLong(a.path("value").asText("0"));
            }
        }
        return 0;
    }
}
