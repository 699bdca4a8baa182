package dev.flinkembed.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.serve.EmbeddingServer;
import dev.flinkembed.serve.ServeOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database password and the remote API key, used by real jobs on a standalone cluster, appear nowhere a person
 * or a log shipper can read: not in any REST response of the JobManager (job, config, plan, exceptions, cluster
 * config and environment, TaskManager details), not in any log or stdout file of the JobManager, TaskManager or
 * client, not in the client's output — neither for a job that succeeds nor for one that fails on the key.
 */
@Tag("e2e")
class SecretsOnClusterIT {

    static final String PG_SECRET = "pg-Secret-" + Long.toHexString(System.nanoTime());
    static final String API_KEY = "sk-Secret-" + Long.toHexString(System.nanoTime() * 31);
    static final String WRONG_KEY = "sk-Wrong-" + Long.toHexString(System.nanoTime() * 17);

    @TempDir
    static Path dir;

    static StandaloneCluster cluster;
    static PgliteServer pg;
    static EmbeddingServer serve;
    static EmbeddingServer otherServe;
    static Path input;

    @BeforeAll
    static void start() throws Exception {
        List<GenericRecord> rows = ParquetRows.head(TestCorpus.SAMPLE, 40);
        input = dir.resolve("corpus.parquet");
        ParquetRows.write(input, rows);
        pg = PgliteServer.start();
        ModelOptions model = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        serve = EmbeddingServer.start(ServeOptions.builder(model, "all-minilm-l6-v2")
                .port(0)
                .apiKey(API_KEY)
                .build());
        otherServe = EmbeddingServer.start(ServeOptions.builder(model, "all-minilm-l6-v2")
                .port(0)
                .apiKey(WRONG_KEY + "-not-this-one")
                .build());
        cluster = StandaloneCluster.start(dir.resolve("cluster"), Map.of("taskmanager.numberOfTaskSlots", "1"));
        // As users pass secrets: environment variables of the client (the password) and the TaskManager (the key).
        cluster.environment.put("TEST_PG_PASSWORD", PG_SECRET);
        cluster.environment.put("TEST_REMOTE_KEY", API_KEY);
        cluster.environment.put("TEST_WRONG_KEY", WRONG_KEY);
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {cluster, serve, otherServe, pg}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static StandaloneCluster.CliResult bulk(String table, String url, String keyEnv) throws Exception {
        // PgliteServer.jdbcUrl() without its password: the password comes from the environment, as users should pass
        // it.
        String pgUrl = pg.jdbcUrl().replace("&password=postgres", "");
        return cluster.flink(
                "run",
                StandaloneCluster.jobJar().toString(),
                "bulk",
                "--input",
                input.toString(),
                "--sink",
                "pgvector",
                "--pg-url",
                pgUrl,
                "--table",
                table,
                "--set",
                "pgvector.password-env=TEST_PG_PASSWORD",
                "--set",
                "embed.backend=remote",
                "--set",
                "remote.url=" + url,
                "--set",
                "remote.model=all-minilm-l6-v2",
                "--set",
                "remote.api-key-env=" + keyEnv,
                "--set",
                "remote.max-retries=1",
                "--set",
                "job.progress-interval=1s");
    }

    @Test
    void noSecretInAnyRestResponseLogOrOutputOfAGoodAndAFailedJob() throws Exception {
        StandaloneCluster.CliResult good = bulk("secret_ok", serve.url(), "TEST_REMOTE_KEY");
        assertThat(good.exitCode()).as(good.output()).isZero();
        try (Connection c = pg.connect();
                ResultSet rs = c.createStatement().executeQuery("SELECT count(DISTINCT doc_id) FROM secret_ok")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(40);
        }
        // The TaskManager sends WRONG_KEY to a server that wants another: 401, the job fails with the reason.
        StandaloneCluster.CliResult bad = bulk("secret_bad", otherServe.url(), "TEST_WRONG_KEY");
        assertThat(bad.exitCode()).as(bad.output()).isEqualTo(1);
        assertThat(bad.output()).contains("401");

        List<String> searched = new ArrayList<>();
        StringBuilder everything = new StringBuilder(good.output()).append(bad.output());
        searched.add("client output");
        everything.append(cluster.everythingReadable(List.of(good.jobId(), bad.jobId()), searched));
        System.out.println("Searched for the secrets (0 hits each): " + searched);
        assertThat(searched).contains("jobmanager.log", "taskmanager-0.log", "taskmanager-0.out");
        assertThat(bad.output()).contains("Incorrect API key provided"); // the failure itself is readable
        String all = everything.toString();
        for (String secret : List.of(PG_SECRET, API_KEY, WRONG_KEY)) {
            assertThat(all).as("hits of a secret").doesNotContain(secret);
        }
    }
}
