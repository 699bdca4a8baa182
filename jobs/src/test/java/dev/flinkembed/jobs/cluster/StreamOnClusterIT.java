package dev.flinkembed.jobs.cluster;

import static dev.flinkembed.jobs.stream.StreamExpectations.documentJson;
import static dev.flinkembed.jobs.stream.StreamExpectations.expectedChunks;
import static dev.flinkembed.jobs.stream.StreamExpectations.texts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.stores.IndexContents;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.testing.ElasticsearchNode;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream job (Kafka → pgvector and a vectors topic) on a standalone session cluster, submitted with
 * {@code flink run -d}, as users run it: its TaskManager killed with SIGKILL mid-stream and a new TaskManager started
 * (the job restores from its last checkpoint), then {@code flink stop --savepointPath} and {@code flink run -s} with a
 * new version of the jar, with changes produced while no job ran. The table must equal the final documents' chunks
 * (nothing lost), the vectors topic and the dead-letter topic must hold nothing twice (nothing repeated). The
 * same kill against an Elasticsearch index, with updates and deletes after it.
 */
@Tag("e2e")
class StreamOnClusterIT {

    static final String TABLE = "cluster_vectors";
    static final int DOCS = 1000;

    @TempDir
    static Path dir;

    static KafkaBroker kafka;
    static PgliteServer pg;
    static StandaloneCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start();
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
        if (kafka != null) {
            kafka.close();
        }
    }

    private static String[] runStream(Path jar, String... flinkOptions) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d"));
        args.addAll(List.of(flinkOptions));
        args.addAll(List.of(
                jar.toString(),
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
                "pgvector.flush-interval=500ms"));
        return args.toArray(String[]::new);
    }

    @Test
    void survivesAKilledTaskManagerAndAStopWithSavepointIntoANewJar() throws Exception {
        kafka.createTopic("docs", 2);
        List<GenericRecord> sample = ParquetRows.head(TestCorpus.SAMPLE, DOCS);
        Map<String, String> finalTexts = new LinkedHashMap<>();
        Map<String, byte[]> malformed = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = 0; i < DOCS; i++) {
                String id = "doc-" + i;
                String text = sample.get(i).get("text").toString();
                finalTexts.put(id, text);
                StreamExpectations.send(producer, "docs", id, documentJson(id, text));
                if (i % 50 == 7) {
                    int m = malformed.size();
                    byte[] bad = StreamExpectations.malformedMessage(m);
                    malformed.put("bad-" + m, bad);
                    producer.send(new ProducerRecord<>("docs", ("bad-" + m).getBytes(StandardCharsets.UTF_8), bad));
                }
            }
        }

        StandaloneCluster.CliResult submitted = cluster.flink(runStream(StandaloneCluster.jobJar()));
        System.out.println("flink run -d stream:\n" + submitted.output());
        assertThat(submitted.exitCode())
                .as("flink run -d returns once the job is submitted:%n%s", submitted.output())
                .isZero();
        String jobId = submitted.jobId();
        cluster.waitFor(
                "a completed checkpoint and 150 rows",
                () -> cluster.completedCheckpoints(jobId) >= 1 && rowCount() >= 150,
                Duration.ofMinutes(4));
        long rowsAtKill = rowCount();
        long checkpointsAtKill = cluster.completedCheckpoints(jobId);

        // SIGKILL: no shutdown hook, no task cancellation, open Kafka transactions and unflushed rows lost with it.
        Process killed = cluster.taskManagers().get(0);
        killed.destroyForcibly();
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        System.out.printf(
                "stream on cluster: TaskManager killed at %d rows, %d checkpoints completed%n",
                rowsAtKill, checkpointsAtKill);
        cluster.startTaskManager();
        cluster.waitFor(
                "the job to restart on the new TaskManager",
                () -> cluster.restarts(jobId) >= 1 && "RUNNING".equals(cluster.jobState(jobId)),
                Duration.ofMinutes(3));
        assertThat(rowsAtKill)
                .as("the kill comes mid-stream")
                .isLessThan(expectedChunks(JobConfig.defaults(), finalTexts).size());

        // Changes while the restored job runs: 60 updates, 30 deletes (half by op, half by tombstone).
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = 0; i < 60; i++) {
                String id = "doc-" + i;
                String text = sample.get(DOCS - 1 - i).get("text") + " Updated in place.";
                finalTexts.put(id, text);
                StreamExpectations.send(producer, "docs", id, documentJson(id, text));
            }
            deleteRange(producer, finalTexts, DOCS - 30, DOCS);
        }
        awaitTable(finalTexts, "after the TaskManager was replaced");

        // Stop with a savepoint, change the corpus while nothing runs, resume from the savepoint with a new jar.
        StandaloneCluster.CliResult stopped = cluster.flink(
                "stop", "--savepointPath", dir.resolve("savepoints").toUri().toString(), jobId);
        System.out.println("flink stop --savepointPath:\n" + stopped.output());
        assertThat(stopped.exitCode()).as(stopped.output()).isZero();
        Matcher savepoint =
                Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(stopped.output());
        assertThat(savepoint.find())
                .as("savepoint path in:%n%s", stopped.output())
                .isTrue();
        cluster.waitFor(
                "the stopped job to finish", () -> "FINISHED".equals(cluster.jobState(jobId)), Duration.ofMinutes(1));
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = 60; i < 100; i++) {
                String id = "doc-" + i;
                finalTexts.put(id, sample.get(DOCS - 1 - i).get("text") + " Changed while the job was stopped.");
                StreamExpectations.send(producer, "docs", id, documentJson(id, finalTexts.get(id)));
            }
            deleteRange(producer, finalTexts, DOCS - 50, DOCS - 30);
        }
        StandaloneCluster.CliResult resumed = cluster.flink(runStream(newVersionOfTheJar(), "-s", savepoint.group(1)));
        System.out.println("flink run -d -s <savepoint> stream:\n" + resumed.output());
        assertThat(resumed.exitCode()).as(resumed.output()).isZero();
        String resumedId = resumed.jobId();
        try {
            awaitTable(finalTexts, "after the resume from the savepoint");
            cluster.waitFor(
                    "the vectors topic to commit all 50 deletes",
                    () -> StreamExpectations.committedDeletes(kafka, "vectors", 50),
                    Duration.ofMinutes(2));
            cluster.waitFor(
                    "the dead letters to commit",
                    () -> kafka.readAll("docs.dead-letter", true).size() >= malformed.size(),
                    Duration.ofMinutes(1));
        } finally {
            cluster.flink("cancel", resumedId);
        }
        assertThat(cluster.restarts(resumedId))
                .as("the resumed job ran without failures")
                .isZero();

        JobConfig config = JobConfig.defaults();
        Map<String, Chunk> expected = expectedChunks(config, finalTexts);
        StreamExpectations.assertVectorsAreTheModels(pg, TABLE, config, expected);
        StreamExpectations.assertDeadLetters(kafka, "docs", malformed);
        StreamExpectations.assertVectorsTopicHasNoDuplicates(kafka, "vectors", expected, 50);
    }

    /**
     * The same guarantees with Elasticsearch as the store: killed mid-stream, a new TaskManager, then updates and
     * deletes; the index must hold exactly the final documents' chunks (nothing lost, nothing twice) with the model's
     * own vectors. The documents' ids are routing keys, so each document's chunks stay on one shard across the replay.
     */
    @Test
    void elasticsearchIndexSurvivesAKilledTaskManagerWithUpdatesAndDeletes() throws Exception {
        ElasticsearchNode es = ElasticsearchNode.shared();
        String index = "cluster-stream";
        kafka.createTopic("es-docs", 2);
        List<GenericRecord> sample = ParquetRows.head(TestCorpus.SAMPLE, 300);
        Map<String, String> finalTexts = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = 0; i < sample.size(); i++) {
                String id = "es-" + i;
                finalTexts.put(id, sample.get(i).get("text").toString());
                StreamExpectations.send(producer, "es-docs", id, documentJson(id, finalTexts.get(id)));
            }
        }
        StandaloneCluster.CliResult submitted = cluster.flink(
                "run",
                "-d",
                StandaloneCluster.jobJar().toString(),
                "stream",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "es-docs",
                "--sink",
                "elasticsearch",
                "--es-url",
                es.url(),
                "--index",
                index,
                "--parallelism",
                "2",
                "--set",
                "job.checkpoint-interval=1s",
                "--set",
                "elasticsearch.flush-interval=500ms",
                "--set",
                "elasticsearch.replicas=0");
        assertThat(submitted.exitCode()).as(submitted.output()).isZero();
        String jobId = submitted.jobId();
        try {
            cluster.waitFor(
                    "a completed checkpoint and 100 chunks in the index",
                    () -> cluster.completedCheckpoints(jobId) >= 1 && IndexContents.count(es, index) >= 100,
                    Duration.ofMinutes(4));
            long atKill = IndexContents.count(es, index);
            Process killed = cluster.taskManagers().stream()
                    .filter(Process::isAlive)
                    .reduce((x, y) -> y)
                    .orElseThrow();
            killed.destroyForcibly();
            assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
            System.out.printf("stream to elasticsearch on cluster: TaskManager killed at %d chunks%n", atKill);
            cluster.startTaskManager();
            cluster.waitFor(
                    "the job to restart on the new TaskManager",
                    () -> cluster.restarts(jobId) >= 1 && "RUNNING".equals(cluster.jobState(jobId)),
                    Duration.ofMinutes(3));
            assertThat(atKill)
                    .as("the kill comes mid-stream")
                    .isLessThan(expectedChunks(JobConfig.defaults(), finalTexts).size());
            try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
                for (int i = 0; i < 40; i++) {
                    String id = "es-" + i;
                    finalTexts.put(id, sample.get(sample.size() - 1 - i).get("text") + " Updated in place.");
                    StreamExpectations.send(producer, "es-docs", id, documentJson(id, finalTexts.get(id)));
                }
                for (int i = sample.size() - 20; i < sample.size(); i++) {
                    String id = "es-" + i;
                    finalTexts.remove(id);
                    StreamExpectations.send(
                            producer, "es-docs", id, i % 2 == 0 ? "{\"id\":\"" + id + "\",\"op\":\"delete\"}" : null);
                }
            }
            Map<String, Chunk> expected = expectedChunks(JobConfig.defaults(), finalTexts);
            Map<String, String> expectedTexts = texts(expected);
            cluster.waitFor(
                    "the index to equal the final documents' chunks",
                    () -> IndexContents.texts(es, index).equals(expectedTexts),
                    Duration.ofMinutes(5));
            assertThat(IndexContents.count(es, index)).as("no chunk twice").isEqualTo(expected.size());
            StreamExpectations.assertVectorsAreTheModels(
                    IndexContents.vectors(es, index), JobConfig.defaults(), expected);
        } finally {
            cluster.flink("cancel", jobId);
        }
    }

    private static void deleteRange(
            KafkaProducer<byte[], byte[]> producer, Map<String, String> finalTexts, int from, int to) {
        for (int i = from; i < to; i++) {
            String id = "doc-" + i;
            finalTexts.remove(id);
            StreamExpectations.send(
                    producer, "docs", id, i % 2 == 0 ? "{\"id\":\"" + id + "\",\"op\":\"delete\"}" : null);
        }
    }

    private static void awaitTable(Map<String, String> finalTexts, String when) throws Exception {
        Map<String, String> expected = texts(expectedChunks(JobConfig.defaults(), finalTexts));
        cluster.waitFor(
                "the table to equal the final documents' chunks " + when,
                () -> StreamExpectations.tableTexts(pg, TABLE).equals(expected),
                Duration.ofMinutes(5));
    }

    private static long rowCount() {
        return StreamExpectations.rowCount(pg, TABLE);
    }

    /** The job jar with one more file in it: a new build of the same job, as an upgrade submits it. */
    private static Path newVersionOfTheJar() throws Exception {
        Path jar = dir.resolve("flink-embed-all-v2.jar");
        Files.copy(StandaloneCluster.jobJar(), jar);
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
            Files.writeString(zip.getPath("flink-embed-upgrade.txt"), "version 2\n");
        }
        return jar;
    }
}
