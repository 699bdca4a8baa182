package dev.flinkembed.jobs.cluster;

import static dev.flinkembed.jobs.stream.StreamExpectations.expectedChunks;
import static dev.flinkembed.jobs.stream.StreamExpectations.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cdc.DebeziumFeed;
import dev.flinkembed.jobs.cdc.Postgres15;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.progress.ProgressPrinter;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.changes.SkipUnchangedDocuments;
import dev.flinkembed.operators.chunking.Chunker;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.sources.DocumentFields;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.operators.testing.SecuredKafka;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database table kept in sync with its vectors, as users run it: a real PostgreSQL 15 table → Debezium's embedded
 * engine (pgoutput, JSON with the schema wrapper) → a Kafka topic on a secured broker (SASL_SSL, SCRAM-SHA-512 over
 * TLS, ACLs) → {@code flink run -d stream} on a standalone cluster, reading with credentials from a client.properties
 * whose secrets are {@code ${env:...}} and {@code ${file:...}} references → pgvector. 2,000 rows snapshotted with the
 * TaskManager SIGKILLed in the middle, then 200 updates of an embedded column, 100 of a column that is not, 100
 * deletes: the table holds exactly the current rows' chunks with the model's vectors, the updates of the unembedded
 * column embed nothing. Before that, the two refusals of a secured cluster (wrong password, no READ) exit 2 naming
 * them; after it, no secret is in any REST response, log or output.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseToVectorsOnClusterIT {

    static final String TOPIC = "shop.articles";
    static final String TABLE = "article_vectors";
    static final int ROWS = 2000;
    static final String ALICE_PASSWORD = "alice-Secret-" + Long.toHexString(System.nanoTime());
    static final String BOB_PASSWORD = "bob-Secret-" + Long.toHexString(System.nanoTime() * 7);
    static final String WRONG_PASSWORD = "wrong-Secret-" + Long.toHexString(System.nanoTime() * 13);

    @TempDir
    static Path dir;

    static SecuredKafka kafka;
    static PgliteServer pg;
    static Postgres15 source;
    static StandaloneCluster cluster;
    static Path secrets;
    /** The job's chunker (the model's tokenizer), to say which chunks the table must hold. */
    static InProcessEmbeddingModel model;

    static Chunker chunker;
    static final List<String> outputs = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = SecuredKafka.start(dir.resolve("kafka"), Map.of("alice", ALICE_PASSWORD, "bob", BOB_PASSWORD));
        kafka.broker.createTopic(TOPIC, 2);
        kafka.allow("alice", ResourceType.TOPIC, TOPIC, false, AclOperation.READ);
        kafka.allow("alice", ResourceType.TOPIC, TOPIC + ".", true, AclOperation.WRITE, AclOperation.CREATE);
        kafka.allow("alice", ResourceType.GROUP, "flink-embed-cdc", false, AclOperation.READ);
        kafka.allow("alice", ResourceType.TRANSACTIONAL_ID, "flink-embed-", true, AclOperation.WRITE);
        kafka.allow("bob", ResourceType.TOPIC, TOPIC, false, AclOperation.DESCRIBE);
        secrets = dir.resolve("kafka-secrets.properties");
        Files.writeString(secrets, "truststore=" + kafka.truststorePassword + "\n");
        pg = PgliteServer.start();
        source = Postgres15.start();
        JobConfig defaults = JobConfig.defaults();
        model = InProcessEmbeddingModel.open(Settings.model(defaults));
        chunker = new Chunker(model.tokenizer(), Settings.chunking(defaults));
        cluster = StandaloneCluster.start(
                dir.resolve("cluster"),
                Map.of("taskmanager.numberOfTaskSlots", "2"),
                Map.of(
                        "KAFKA_PASSWORD",
                        ALICE_PASSWORD,
                        "BOB_PASSWORD",
                        BOB_PASSWORD,
                        "WRONG_PASSWORD",
                        WRONG_PASSWORD));
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {cluster, source, pg, kafka, model}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** A client.properties as a user writes it: the password from the environment, the rest in the file. */
    static Path clientProperties(String user, String passwordEnv) throws Exception {
        Path file = dir.resolve(user + "-" + passwordEnv + ".properties");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "security.protocol=SASL_SSL",
                        "sasl.mechanism=SCRAM-SHA-512",
                        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                                + user + "\" password=\"${env:" + passwordEnv + "}\";",
                        "ssl.truststore.location=" + kafka.truststore,
                        "ssl.truststore.password=${file:" + secrets + ":truststore}",
                        "client.id=flink-embed-cdc-test",
                        ""));
        return file;
    }

    static StandaloneCluster.CliResult runStream(Path properties) throws Exception {
        StandaloneCluster.CliResult r = cluster.flink(
                "run",
                "-d",
                StandaloneCluster.jobJar().toString(),
                "stream",
                "--bootstrap-servers",
                kafka.saslBootstrap(),
                "--topic",
                TOPIC,
                "--kafka-properties",
                properties.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                TABLE,
                "--parallelism",
                "2",
                "--set",
                "source.format=debezium-json",
                "--set",
                "source.text-column=name,body",
                "--set",
                "source.metadata-columns=category",
                "--set",
                "kafka.group-id=flink-embed-cdc",
                "--set",
                "job.checkpoint-interval=1s",
                "--set",
                "pgvector.flush-interval=500ms");
        outputs.add(r.output());
        return r;
    }

    @Test
    @Order(1)
    void aWrongPasswordAndAPrincipalWithoutReadAreRefusedBeforeAnythingRuns() throws Exception {
        StandaloneCluster.CliResult wrong = runStream(clientProperties("alice", "WRONG_PASSWORD"));
        System.out.println("wrong password:\n" + wrong.output());
        assertThat(wrong.exitCode()).as(wrong.output()).isEqualTo(2);
        assertThat(wrong.output())
                .contains("Kafka authentication failed at '" + kafka.saslBootstrap()
                        + "' for principal 'User:alice' (SASL_SSL, SCRAM-SHA-512)")
                .contains("Authentication failed");
        StandaloneCluster.CliResult bob = runStream(clientProperties("bob", "BOB_PASSWORD"));
        System.out.println("no READ:\n" + bob.output());
        assertThat(bob.exitCode()).as(bob.output()).isEqualTo(2);
        assertThat(bob.output())
                .contains("Kafka authorization failed at '" + kafka.saslBootstrap()
                        + "': principal 'User:bob' (SASL_SSL, SCRAM-SHA-512) may not read topic '" + TOPIC + "'");
        assertThat(cluster.restOrNull("/jobs/overview").path("jobs")).isEmpty();
    }

    @Test
    @Order(2)
    void aTableIsKeptInSyncThroughDebeziumAndASecuredKafkaAcrossATaskManagerKill() throws Exception {
        List<GenericRecord> sample = ParquetRows.head(TestCorpus.SAMPLE, 1000);
        Map<Integer, String[]> rows = new LinkedHashMap<>(); // id → name, body
        try (Connection c = source.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE articles (id int PRIMARY KEY, name text NOT NULL, body text, category text,"
                    + " stock int NOT NULL DEFAULT 0)");
            try (PreparedStatement insert =
                    c.prepareStatement("INSERT INTO articles (id, name, body, category) VALUES (?, ?, ?, ?)")) {
                for (int i = 0; i < ROWS; i++) {
                    GenericRecord r = sample.get(i % sample.size());
                    String name = "Package " + i + " (" + r.get("id") + ")";
                    String body = r.get("text").toString();
                    body = body.substring(0, Math.min(body.length(), 1500)) + (i >= sample.size() ? " (2)" : "");
                    rows.put(i, new String[] {name, body});
                    insert.setInt(1, i);
                    insert.setString(2, name);
                    insert.setString(3, body);
                    insert.setString(4, i % 2 == 0 ? "admin" : "devel");
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
        try (KafkaProducer<byte[], byte[]> producer = kafka.broker.producer();
                DebeziumFeed feed =
                        DebeziumFeed.start(source, "public.articles", producer, TOPIC, dir.resolve("offsets.dat"))) {
            StandaloneCluster.CliResult submitted = runStream(clientProperties("alice", "KAFKA_PASSWORD"));
            System.out.println("flink run -d stream (debezium-json, SASL_SSL):\n" + submitted.output());
            assertThat(submitted.exitCode()).as(submitted.output()).isZero();
            String jobId = submitted.jobId();
            cluster.waitFor(
                    "a completed checkpoint and 300 rows",
                    () -> cluster.completedCheckpoints(jobId) >= 1 && rowCount() >= 300,
                    Duration.ofMinutes(4));
            long rowsAtKill = rowCount();
            Process killed = cluster.taskManagers().get(0);
            killed.destroyForcibly();
            assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
            cluster.startTaskManager();
            cluster.waitFor(
                    "the job to restart on the new TaskManager",
                    () -> cluster.restarts(jobId) >= 1 && "RUNNING".equals(cluster.jobState(jobId)),
                    Duration.ofMinutes(3));
            Map<String, String> texts = texts(rows);
            assertThat(rowsAtKill)
                    .as("the kill comes mid-snapshot")
                    .isLessThan(chunks(texts).size());
            awaitTable(texts, "after the snapshot");
            assertThat(feed.sent()).isEqualTo(ROWS);
            long embeddedAfterSnapshot = settled(jobId, ProgressPrinter.CHUNKS_EMBEDDED);

            // 200 updates of an embedded column: exactly their new chunks are embedded
            execute("UPDATE articles SET body = body || ' Revised for 2027.' WHERE id < 200");
            for (int i = 0; i < 200; i++) {
                rows.get(i)[1] = rows.get(i)[1] + " Revised for 2027.";
            }
            texts = texts(rows);
            awaitTable(texts, "after 200 updates of the text");
            Map<String, String> revised = new LinkedHashMap<>();
            for (int i = 0; i < 200; i++) {
                revised.put(Integer.toString(i), texts.get(Integer.toString(i)));
            }
            long expectedRevised = chunks(revised).size();
            cluster.waitFor(
                    "the embedded-chunk count of the updates",
                    () -> accumulator(jobId, ProgressPrinter.CHUNKS_EMBEDDED) - embeddedAfterSnapshot
                            >= expectedRevised,
                    Duration.ofMinutes(1));
            long embeddedAfterUpdates = settled(jobId, ProgressPrinter.CHUNKS_EMBEDDED);
            assertThat(embeddedAfterUpdates - embeddedAfterSnapshot)
                    .as("chunks embedded for 200 text updates")
                    .isEqualTo(expectedRevised);

            // 100 updates of a column no field maps: skipped, nothing embedded
            long unchangedBefore = settled(jobId, SkipUnchangedDocuments.DOCUMENTS_UNCHANGED);
            execute("UPDATE articles SET stock = stock + 5 WHERE id >= 1000 AND id < 1100");
            cluster.waitFor(
                    "100 unchanged documents skipped",
                    () -> accumulator(jobId, SkipUnchangedDocuments.DOCUMENTS_UNCHANGED) - unchangedBefore >= 100,
                    Duration.ofMinutes(2));
            long embeddedAfterStock = settled(jobId, ProgressPrinter.CHUNKS_EMBEDDED);
            assertThat(embeddedAfterStock - embeddedAfterUpdates)
                    .as("chunks embedded for 100 updates of an unembedded column")
                    .isZero();

            // 100 deletes (Debezium writes a delete event and a tombstone for each)
            execute("DELETE FROM articles WHERE id >= 1900");
            for (int i = 1900; i < ROWS; i++) {
                rows.remove(i);
            }
            texts = texts(rows);
            awaitTable(texts, "after 100 deletes");
            cluster.waitFor(
                    "the feed to send every event", () -> feed.sent() == ROWS + 200 + 100 + 200, Duration.ofMinutes(1));
            long embeddedAtEnd = settled(jobId, ProgressPrinter.CHUNKS_EMBEDDED);
            System.out.printf(
                    "cdc on cluster: %d rows snapshotted (TaskManager killed at %d table rows, %d restart(s)); "
                            + "chunks embedded: %d since the restore for the snapshot, %d for 200 text updates "
                            + "(expected %d), %d for 100 stock updates (skipped %d), %d for 100 deletes; "
                            + "%d change events%n",
                    ROWS,
                    rowsAtKill,
                    cluster.restarts(jobId),
                    embeddedAfterSnapshot,
                    embeddedAfterUpdates - embeddedAfterSnapshot,
                    expectedRevised,
                    embeddedAfterStock - embeddedAfterUpdates,
                    accumulator(jobId, SkipUnchangedDocuments.DOCUMENTS_UNCHANGED) - unchangedBefore,
                    embeddedAtEnd - embeddedAfterStock,
                    feed.sent());
            assertThat(embeddedAtEnd - embeddedAfterStock)
                    .as("chunks embedded for deletes")
                    .isZero();
            assertThat(cluster.restarts(jobId)).as("one restart: the kill").isEqualTo(1);
            JobConfig config = JobConfig.defaults();
            StreamExpectations.assertVectorsAreTheModels(pg, TABLE, config, chunks(texts));
            assertThat(metadataOf("1")).isEqualTo("{\"category\": \"devel\"}");
            assertThat(kafka.broker.readAll(TOPIC + ".dead-letter", true)).isEmpty();
            cluster.flink("cancel", jobId);
        }
    }

    @Test
    @Order(3)
    void noSecretIsInAnyRestResponseLogOrOutput() throws Exception {
        List<String> searched = new ArrayList<>();
        List<String> jobs = new ArrayList<>();
        cluster.restOrNull("/jobs/overview")
                .path("jobs")
                .forEach(j -> jobs.add(j.path("jid").asText()));
        assertThat(jobs).isNotEmpty();
        String everything = String.join("\n", outputs) + cluster.everythingReadable(jobs, searched);
        System.out.println("Searched for the Kafka secrets (0 hits each): " + searched);
        for (String secret : List.of(ALICE_PASSWORD, BOB_PASSWORD, WRONG_PASSWORD, kafka.truststorePassword)) {
            assertThat(everything).as("hits of a secret").doesNotContain(secret);
        }
    }

    static Map<String, String> texts(Map<Integer, String[]> rows) {
        Map<String, String> out = new LinkedHashMap<>();
        rows.forEach((id, r) -> out.put(Integer.toString(id), r[0] + DocumentFields.TEXT_SEPARATOR + r[1]));
        return out;
    }

    static Map<String, Chunk> chunks(Map<String, String> texts) {
        return expectedChunks(chunker, texts);
    }

    static void execute(String sql) throws Exception {
        try (Connection c = source.connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static void awaitTable(Map<String, String> finalTexts, String when) throws Exception {
        Map<String, String> expected = StreamExpectations.texts(chunks(finalTexts));
        cluster.waitFor(
                "the table to equal the current rows' chunks " + when,
                () -> StreamExpectations.tableTexts(pg, TABLE).equals(expected),
                Duration.ofMinutes(5));
    }

    static long rowCount() {
        return StreamExpectations.rowCount(pg, TABLE);
    }

    static String metadataOf(String docId) throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT metadata::text FROM " + TABLE + " WHERE doc_id = '" + docId + "' LIMIT 1")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /**
     * The accumulator once the JobManager's copy has caught up: TaskManagers report accumulators with their
     * heartbeats (every 2 s here), so a value read as the table completes can lag the work done. Settled: the same in
     * two reads more than two heartbeats apart.
     */
    static long settled(String jobId, String name) throws InterruptedException {
        long[] last = {accumulator(jobId, name), System.nanoTime()};
        cluster.waitFor(
                "the " + name + " accumulator to settle",
                () -> {
                    if (System.nanoTime() - last[1] < Duration.ofSeconds(5).toNanos()) {
                        return false;
                    }
                    long now = accumulator(jobId, name);
                    boolean same = now == last[0];
                    last[0] = now;
                    last[1] = System.nanoTime();
                    return same;
                },
                Duration.ofMinutes(2));
        return last[0];
    }

    static long accumulator(String jobId, String name) {
        JsonNode acc = cluster.restOrNull("/jobs/" + jobId + "/accumulators");
        if (acc != null) {
            for (JsonNode a : acc.path("user-task-accumulators")) {
                if (a.path("name").asText().equals(name)) {
                    return Long.parseLong(a.path("value").asText("0"));
                }
            }
        }
        return 0;
    }
}
