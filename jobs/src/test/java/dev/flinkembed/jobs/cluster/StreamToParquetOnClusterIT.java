package dev.flinkembed.jobs.cluster;

import static dev.flinkembed.jobs.stream.StreamExpectations.documentJson;
import static dev.flinkembed.jobs.stream.StreamExpectations.expectedChunks;
import static dev.flinkembed.jobs.stream.StreamExpectations.texts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream job writing its Parquet change log on a standalone cluster: 2,000 documents and 40 malformed messages
 * from a real KRaft broker, the TaskManager killed with SIGKILL mid-stream and a new one started, then 200 updates and
 * 100 deletes. The current-state query of docs/stream.md, run by DuckDB over the committed files, must equal the final
 * documents' chunks, with the model's vectors; no change may be in the committed files twice.
 */
@Tag("e2e")
class StreamToParquetOnClusterIT {

    /** The query of docs/stream.md (kept identical: the test checks the docs hold it). */
    static final String CURRENT_STATE = """
            WITH log AS (SELECT * FROM read_parquet('OUT/vectors/**/*.parquet', hive_partitioning = true)),
                 latest AS (SELECT doc_id, max(source_offset) AS source_offset FROM log GROUP BY doc_id)
            SELECT log.* FROM log JOIN latest USING (doc_id, source_offset) WHERE op = 'upsert'""";

    @TempDir
    static Path dir;

    static KafkaBroker kafka;
    static StandaloneCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start();
        cluster = StandaloneCluster.start(dir.resolve("cluster"), Map.of("taskmanager.numberOfTaskSlots", "2"));
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static String query(Path out) {
        return CURRENT_STATE.replace("OUT", out.toString());
    }

    /** "doc#chunk" → "chunk_count text" of the current state, as the docs' query gives it. */
    static Map<String, String> currentState(Path out) {
        Map<String, String> state = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text FROM (" + query(out) + ")")) {
            while (rs.next()) {
                state.put(rs.getString(1) + "#" + rs.getInt(2), rs.getInt(3) + " " + rs.getString(4));
            }
        } catch (Exception e) {
            return Map.of("error", e.toString());
        }
        return state;
    }

    static long committedRows(Path out) {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT count(*) FROM read_parquet('" + out + "/vectors/**/*.parquet')")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    @Test
    void theChangeLogSurvivesAKilledTaskManagerAndItsCurrentStateIsTheFinalDocuments() throws Exception {
        Path out = dir.resolve("lake");
        kafka.createTopic("docs", 2);
        List<GenericRecord> sample = ParquetRows.head(TestCorpus.SAMPLE, 1000);
        Map<String, String> finalTexts = new LinkedHashMap<>();
        Map<String, byte[]> malformed = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < 2000; i++) {
                String id = "doc-" + i;
                String text =
                        sample.get(i % 1000).get("text") + (i >= 1000 ? " Also packaged as variant " + i + "." : "");
                finalTexts.put(id, text);
                StreamExpectations.send(p, "docs", id, documentJson(id, text));
                if (i % 50 == 7) {
                    int m = malformed.size();
                    byte[] bad = StreamExpectations.malformedMessage(m);
                    malformed.put("bad-" + m, bad);
                    p.send(new ProducerRecord<>("docs", ("bad-" + m).getBytes(StandardCharsets.UTF_8), bad));
                }
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
                "docs",
                "--sink",
                "parquet",
                "--output",
                out.toString(),
                "--parallelism",
                "2",
                "--set",
                "job.checkpoint-interval=2s");
        System.out.println("flink run -d stream --sink parquet:\n" + submitted.output());
        assertThat(submitted.exitCode()).as(submitted.output()).isZero();
        String jobId = submitted.jobId();
        cluster.waitFor(
                "committed Parquet files with 300 rows", () -> committedRows(out) >= 300, Duration.ofMinutes(4));
        long rowsAtKill = committedRows(out);
        Process killed = cluster.taskManagers().get(0);
        killed.destroyForcibly();
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        System.out.printf(
                "stream to parquet: TaskManager killed with %d committed rows, %d checkpoints%n",
                rowsAtKill, cluster.completedCheckpoints(jobId));
        cluster.startTaskManager();
        cluster.waitFor(
                "the job to restart",
                () -> cluster.restarts(jobId) >= 1 && "RUNNING".equals(cluster.jobState(jobId)),
                Duration.ofMinutes(3));

        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < 200; i++) {
                String id = "doc-" + i;
                String text = sample.get((i + 500) % 1000).get("text") + " Updated in place.";
                finalTexts.put(id, text);
                StreamExpectations.send(p, "docs", id, documentJson(id, text));
            }
            for (int i = 1900; i < 2000; i++) {
                String id = "doc-" + i;
                finalTexts.remove(id);
                StreamExpectations.send(p, "docs", id, i % 2 == 0 ? "{\"id\":\"" + id + "\",\"op\":\"delete\"}" : null);
            }
        }
        JobConfig config = JobConfig.defaults();
        Map<String, Chunk> expected = expectedChunks(config, finalTexts);
        Map<String, String> want = texts(expected);
        try {
            cluster.waitFor(
                    "the current state to equal the final documents",
                    () -> currentState(out).equals(want),
                    Duration.ofMinutes(6));
            cluster.waitFor(
                    "the dead letters to commit",
                    () -> kafka.readAll("docs.dead-letter", true).size() >= malformed.size(),
                    Duration.ofMinutes(1));
        } finally {
            cluster.flink("cancel", jobId);
        }
        assertThat(rowsAtKill).as("the kill comes mid-stream").isLessThan(expected.size());

        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement()) {
            String log = "read_parquet('" + out + "/vectors/**/*.parquet', hive_partitioning = true)";
            ResultSet twice = s.executeQuery("SELECT doc_id, chunk_index, content_hash, source_offset, count(*) FROM "
                    + log + " GROUP BY ALL HAVING count(*) > 1 LIMIT 5");
            assertThat(twice.next()).as("a change in the committed files twice").isFalse();
            ResultSet deletes =
                    s.executeQuery("SELECT count(*), count(DISTINCT doc_id) FROM " + log + " WHERE op = 'delete'");
            deletes.next();
            assertThat(deletes.getLong(1))
                    .as("one delete row per deleted document")
                    .isEqualTo(100);
            assertThat(deletes.getLong(2)).isEqualTo(100);
            ResultSet parts = s.executeQuery("SELECT count(DISTINCT dt), min(hr), count(*) FROM " + log);
            parts.next();
            assertThat(parts.getLong(1)).as("dt= partitions").isPositive();
            System.out.printf(
                    "stream to parquet: %d change-log rows under %d day partition(s)%n",
                    parts.getLong(3), parts.getLong(1));
            // The model's vectors: a sample of the current state embedded again here.
            ResultSet current = s.executeQuery("SELECT doc_id, chunk_index, embedding FROM (" + query(out)
                    + ") ORDER BY doc_id, chunk_index LIMIT 300");
            Map<String, float[]> stored = new LinkedHashMap<>();
            while (current.next()) {
                Object[] arr = (Object[]) current.getArray(3).getArray();
                float[] v = new float[arr.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = ((Number) arr[i]).floatValue();
                }
                stored.put(current.getString(1) + "#" + current.getInt(2), v);
            }
            List<String> keys = List.copyOf(stored.keySet());
            try (InProcessEmbeddingModel model = InProcessEmbeddingModel.open(Settings.model(config))) {
                var reference = model.embed(keys.stream()
                                .map(k -> EmbeddingInput.document(expected.get(k).embedText))
                                .toList())
                        .embeddings();
                double worst = 1;
                for (int i = 0; i < keys.size(); i++) {
                    worst = Math.min(
                            worst,
                            Vectors.cosine(
                                    stored.get(keys.get(i)), reference.get(i).vector()));
                }
                System.out.printf(
                        "stream to parquet: worst cosine of %d current chunks to the model's %.8f%n",
                        keys.size(), worst);
                assertThat(worst).isGreaterThanOrEqualTo(0.99999);
            }
        }
        try (Stream<Path> files = Files.walk(out.resolve("vectors"))) {
            List<Path> visible = files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .toList();
            assertThat(visible)
                    .as("every visible file is a committed Parquet file")
                    .allSatisfy(f -> assertThat(f.getFileName().toString()).endsWith(".parquet"));
        }
        StreamExpectations.assertDeadLetters(kafka, "docs", malformed);
        // The malformed messages carry a marker in their text; no JobManager or TaskManager log line may hold it.
        try (var logs = Files.list(cluster.logDir)) {
            for (Path log : logs.toList()) {
                assertThat(Files.readString(log, StandardCharsets.ISO_8859_1))
                        .as("document text in %s", log)
                        .doesNotContain("ZQXPOISON");
            }
        }
        String docs = Files.readString(TestCorpus.locate("docs/stream.md"));
        assertThat(docs.replaceAll("\\s+", " "))
                .as("docs/stream.md shows this query")
                .contains(CURRENT_STATE.replace("OUT", "lake").replaceAll("\\s+", " "));
    }
}
