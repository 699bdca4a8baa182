package dev.flinkembed.jobs.stream;

import static dev.flinkembed.jobs.stream.StreamExpectations.expectedChunks;
import static dev.flinkembed.jobs.stream.StreamExpectations.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.stores.pgvector.PgVectorStoreFactory;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The stream job against a real KRaft broker and a real PostgreSQL + pgvector (PGlite): 2,000 documents and 100
 * malformed messages, the TaskManager killed mid-stream and a new one started (restore from the last checkpoint),
 * then 200 updates and 100 deletes. The table must end exactly as the final documents say, every vector equal to the
 * model's, the dead letters all in their topic, and the vectors topic free of duplicates for read_committed readers.
 */
@Tag("e2e")
class StreamJobEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "stream_vectors";

    static KafkaBroker kafka;
    static PgliteServer pg;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start();
        pg = PgliteServer.start();
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        // Checkpoint statistics fresh on every REST call (by default they are cached for 3 s): the failure is timed
        // between two checkpoints by them.
        conf.set(org.apache.flink.configuration.RestOptions.CACHE_CHECKPOINT_STATISTICS_TIMEOUT, Duration.ofMillis(1));
        cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(2)
                .build());
        cluster.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (pg != null) {
            pg.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void changesFailuresAndMalformedMessages() throws Exception {
        kafka.createTopic("docs", 2);
        List<GenericRecord> sample = ParquetRows.head(TestCorpus.SAMPLE, 1000);
        Map<String, String> finalTexts = new LinkedHashMap<>();
        Map<String, byte[]> malformed = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = 0; i < 2000; i++) {
                String id = "doc-" + i;
                String text =
                        sample.get(i % 1000).get("text") + (i >= 1000 ? " Also packaged as variant " + i + "." : "");
                finalTexts.put(id, text);
                send(
                        producer,
                        id,
                        "{\"id\":" + JSON.writeValueAsString(id) + ",\"text\":" + JSON.writeValueAsString(text)
                                + ",\"metadata\":{\"n\":\"" + i + "\"}}");
                if (i % 20 == 7) {
                    int m = malformed.size();
                    byte[] bad = StreamExpectations.malformedMessage(m);
                    malformed.put("bad-" + m, bad);
                    producer.send(new ProducerRecord<>("docs", ("bad-" + m).getBytes(StandardCharsets.UTF_8), bad));
                }
            }
        }
        assertThat(malformed).hasSize(100);

        JobConfig config = JobConfig.defaults()
                .with(JobOptions.KAFKA_BOOTSTRAP, kafka.bootstrapServers())
                .with(JobOptions.KAFKA_TOPIC, "docs")
                .with(JobOptions.KAFKA_VECTORS_TOPIC, "vectors")
                .with(PgVectorStoreFactory.URL, pg.jdbcUrl())
                .with(PgVectorStoreFactory.TABLE, TABLE)
                .with(JobOptions.JOB_PARALLELISM, "2")
                // Transactions stay open for 3 s between checkpoints: time to see one open before the failure.
                .with(JobOptions.JOB_CHECKPOINT_INTERVAL, "3s")
                // Small flushes, so vectors reach the open transaction in a steady trickle rather than in a few bursts
                // of a 65,536-token flush each (with those, a moment with records arriving between two checkpoints
                // was not always found within the 3 minutes).
                .with(JobOptions.BATCH_FLUSH_TOKENS, "4096")
                .with(PgVectorStoreFactory.FLUSH_INTERVAL, "500ms");
        StreamJob.Plan plan = StreamJob.plan(config);
        JobClient client = StreamJob.start(new TestStreamEnvironment(cluster, 2), plan, System.out);
        try {
            URI rest = cluster.getRestAddress().get();
            String job = client.getJobID().toString();
            waitFor("600 rows in the table", () -> rowCount() >= 600, Duration.ofMinutes(5));
            // Fail between two checkpoints, with records in the transaction that began after the last one — the
            // transaction the failure must abort. A transaction still waiting for its checkpoint's commit also holds
            // records back from read_committed, but the restore commits it, so: see a checkpoint complete, see its
            // transactions commit (the last stable offset moves), then, with no checkpoint in progress, see records in
            // the next transaction, and fail at once. After the restart, the job must have restored exactly that
            // checkpoint (else a later one slipped in before the failure and the test says so).
            long[] failure = failBetweenCheckpoints(rest, job);
            long checkpointsAtFailure = failure[0];
            long openAtFailure = failure[1];
            long rowsAtFailure = rowCount();
            // The TaskManager goes away with its tasks, open transactions and buffers; a new one takes over and the
            // job restores from the last completed checkpoint.
            cluster.terminateTaskManager(0).get();
            cluster.startTaskManager();
            waitFor("the job to restart", () -> restarts(rest, job) >= 1, Duration.ofMinutes(2));
            waitFor(
                    "the restore",
                    () -> jobField(rest, job, "/checkpoints", "latest", "restored", "id") > 0,
                    Duration.ofMinutes(2));
            assertThat(jobField(rest, job, "/checkpoints", "latest", "restored", "id"))
                    .as("restored from the checkpoint completed just before the failure")
                    .isEqualTo(failure[2]);
            System.out.printf(
                    "stream e2e: failure at %d rows, after %d completed checkpoints, with %d records in an "
                            + "open transaction of the vectors topic%n",
                    rowsAtFailure, checkpointsAtFailure, openAtFailure);

            try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
                for (int i = 0; i < 200; i++) {
                    String id = "doc-" + i;
                    String text = sample.get((i + 500) % 1000).get("text") + " Updated in place.";
                    finalTexts.put(id, text);
                    send(producer, id, "{\"id\":\"" + id + "\",\"text\":" + JSON.writeValueAsString(text) + "}");
                }
                for (int i = 1900; i < 2000; i++) {
                    String id = "doc-" + i;
                    finalTexts.remove(id);
                    if (i % 2 == 0) {
                        send(producer, id, "{\"id\":\"" + id + "\",\"op\":\"delete\"}");
                    } else { // a tombstone, as in a compacted topic
                        producer.send(new ProducerRecord<>("docs", id.getBytes(StandardCharsets.UTF_8), null));
                    }
                }
            }
            Map<String, Chunk> expected = expectedChunks(config, finalTexts);
            waitFor(
                    "the table to match the final documents",
                    () -> tableTexts().equals(texts(expected)),
                    Duration.ofMinutes(6));
            // The vectors topic's last transaction commits with the next checkpoint.
            waitFor(
                    "the vectors topic to commit the 100 deletes",
                    () -> StreamExpectations.committedDeletes(kafka, "vectors", 100),
                    Duration.ofMinutes(2));
        } finally {
            client.cancel().get();
        }

        Map<String, Chunk> expected = expectedChunks(config, finalTexts);
        StreamExpectations.assertVectorsAreTheModels(pg, TABLE, config, expected);
        StreamExpectations.assertDeadLetters(kafka, "docs", malformed);
        StreamExpectations.assertVectorsTopicHasNoDuplicates(kafka, "vectors", expected, 100);
        // The transaction open at the failure was aborted: its records stay in the log, hidden from read_committed.
        assertThat(kafka.readAll("vectors", false).size())
                .as("aborted records in the vectors topic")
                .isGreaterThan(kafka.readAll("vectors", true).size());
    }

    /**
     * Waits for records to arrive in the vectors topic's open transaction between two checkpoints — after one
     * completed, while none is in progress, with no checkpoint completing in between two looks at the topic — so they
     * belong to the transaction of a checkpoint that has not been taken, which the failure must abort. (Records of a
     * transaction waiting for its checkpoint's commit are visible as "open" too, but they do not grow: they are
     * flushed while their checkpoint is in progress.) Returns {completed checkpoints, records open, id of the last
     * completed checkpoint} at that moment.
     */
    private static long[] failBetweenCheckpoints(URI rest, String job) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            long completed = jobField(rest, job, "/checkpoints", "counts", "completed");
            long inProgress = jobField(rest, job, "/checkpoints", "counts", "in_progress");
            long open = kafka.recordsInOpenTransactions("vectors");
            Thread.sleep(20);
            long openNow = kafka.recordsInOpenTransactions("vectors");
            long checkpoint = jobField(rest, job, "/checkpoints", "latest", "completed", "id");
            if (completed >= 1
                    && inProgress == 0
                    && openNow > open
                    && jobField(rest, job, "/checkpoints", "counts", "in_progress") == 0
                    && jobField(rest, job, "/checkpoints", "counts", "completed") == completed) {
                return new long[] {completed, openNow, checkpoint};
            }
        }
        throw new AssertionError("no moment between two checkpoints with records arriving in an open transaction");
    }

    /** A number from the job's REST resource, e.g. /jobs/ID/checkpoints → counts.completed (0 while unavailable). */
    private static long jobField(URI rest, String job, String resource, String... path) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(rest.resolve("/jobs/" + job + resource))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            JsonNode n = JSON.readTree(r.body());
            for (String p : path) {
                n = n.path(p);
            }
            return n.asLong(0);
        } catch (Exception e) {
            return 0;
        }
    }

    /** The job's numRestarts metric from the REST API. */
    private static long restarts(URI rest, String job) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(
                                            rest.resolve("/jobs/" + job + "/metrics?get=numRestarts"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            JsonNode n = JSON.readTree(r.body());
            return n.isArray() && n.size() > 0 ? n.get(0).path("value").asLong(0) : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String key, String value) {
        StreamExpectations.send(p, "docs", key, value);
    }

    private static long rowCount() {
        return StreamExpectations.rowCount(pg, TABLE);
    }

    private static Map<String, String> tableTexts() {
        return StreamExpectations.tableTexts(pg, TABLE);
    }

    private static void waitFor(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after " + timeout + " waiting for " + what + " (rows: " + rowCount() + ")");
            }
            Thread.sleep(1000);
        }
    }
}
