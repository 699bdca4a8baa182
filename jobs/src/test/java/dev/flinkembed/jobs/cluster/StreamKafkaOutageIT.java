package dev.flinkembed.jobs.cluster;

import static dev.flinkembed.jobs.stream.StreamExpectations.documentJson;
import static dev.flinkembed.jobs.stream.StreamExpectations.expectedChunks;
import static dev.flinkembed.jobs.stream.StreamExpectations.texts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream job on the standalone cluster while its Kafka broker (a process of its own) stops for 30 s mid-stream
 * and comes back on the same port with the same data: the job rides it out (or restarts from its last checkpoint; the
 * test prints which) and catches up; pgvector and the read_committed vectors topic end exactly as the documents say,
 * no chunk lost, none twice.
 */
@Tag("e2e")
class StreamKafkaOutageIT {

    static final String TABLE = "outage_vectors";
    static final int DOCS = 300;

    @TempDir
    static Path dir;

    static StandaloneCluster cluster;
    static PgliteServer pg;
    static KafkaBroker kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.startProcess(dir.resolve("kafka"));
        pg = PgliteServer.start();
        cluster = StandaloneCluster.start(dir.resolve("cluster"), Map.of("taskmanager.numberOfTaskSlots", "2"));
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {cluster, pg, kafka}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void theJobRidesOutABrokerOutageWithNothingLostOrTwice() throws Exception {
        kafka.createTopic("docs", 2);
        List<GenericRecord> sample = ParquetRows.head(TestCorpus.SAMPLE, DOCS);
        Map<String, String> finalTexts = new LinkedHashMap<>();
        produce(sample, 0, DOCS, finalTexts, "");

        StandaloneCluster.CliResult submitted = cluster.flink(
                "run",
                "-d",
                StandaloneCluster.jobJar().toString(),
                "stream",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "docs",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                TABLE,
                "--parallelism",
                "2",
                "--set",
                "job.checkpoint-interval=1s",
                "--set",
                "kafka.vectors-topic=vectors",
                "--set",
                "pgvector.flush-interval=500ms");
        assertThat(submitted.exitCode()).as(submitted.output()).isZero();
        String jobId = submitted.jobId();
        try {
            cluster.waitFor(
                    "a completed checkpoint and 60 rows",
                    () -> cluster.completedCheckpoints(jobId) >= 1 && StreamExpectations.rowCount(pg, TABLE) >= 60,
                    Duration.ofMinutes(4));
            long rowsAtStop = StreamExpectations.rowCount(pg, TABLE);
            long checkpointsAtStop = cluster.completedCheckpoints(jobId);

            kafka.stop();
            long stopped = System.nanoTime();
            // The outage lasts until the job has felt it: ten checkpoint intervals without a checkpoint completing.
            long[] last = {cluster.completedCheckpoints(jobId), System.nanoTime()};
            cluster.waitFor(
                    "the job to stall on the outage",
                    () -> {
                        long n = cluster.completedCheckpoints(jobId);
                        if (n != last[0]) {
                            last[0] = n;
                            last[1] = System.nanoTime();
                        }
                        return System.nanoTime() - last[1]
                                > Duration.ofSeconds(10).toNanos();
                    },
                    Duration.ofMinutes(3));
            kafka.restart();
            System.out.printf(
                    "Kafka outage: broker stopped at %d rows and %d checkpoints, back after %.1f s; job "
                            + "restarts during the outage: %d%n",
                    rowsAtStop, checkpointsAtStop, (System.nanoTime() - stopped) / 1e9, cluster.restarts(jobId));

            // After the outage: 40 documents changed.
            produce(sample, 0, 40, finalTexts, " Changed after the outage.");
            long back = System.nanoTime();
            Map<String, String> expectedTexts = texts(expectedChunks(JobConfig.defaults(), finalTexts));
            cluster.waitFor(
                    "the table to equal the final documents' chunks",
                    () -> StreamExpectations.tableTexts(pg, TABLE).equals(expectedTexts),
                    Duration.ofMinutes(5));
            System.out.printf(
                    "Kafka outage: table complete %.1f s after the broker came back; %d restarts in all, "
                            + "%d checkpoints%n",
                    (System.nanoTime() - back) / 1e9, cluster.restarts(jobId), cluster.completedCheckpoints(jobId));
            // Mid-stream: documents were still waiting to be embedded and written when the broker went away.
            assertThat(rowsAtStop).as("rows when the broker stopped").isLessThan(expectedTexts.size());
            Map<String, Chunk> expected = expectedChunks(JobConfig.defaults(), finalTexts);
            cluster.waitFor(
                    "the vectors topic to commit every chunk",
                    () -> committedChunks() >= expected.size() + 40,
                    Duration.ofMinutes(2));
            StreamExpectations.assertVectorsAreTheModels(pg, TABLE, JobConfig.defaults(), expected);
            StreamExpectations.assertVectorsTopicHasNoDuplicates(kafka, "vectors", expected, 0);
        } finally {
            cluster.flink("cancel", jobId);
        }
    }

    private static long committedChunks() {
        return kafka.readAll("vectors", true).size();
    }

    private static void produce(
            List<GenericRecord> sample, int from, int to, Map<String, String> finalTexts, String suffix) {
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = from; i < to; i++) {
                String id = "doc-" + i;
                String text = sample.get(i).get("text") + suffix;
                finalTexts.put(id, text);
                StreamExpectations.send(producer, "docs", id, documentJson(id, text));
            }
        }
    }
}
