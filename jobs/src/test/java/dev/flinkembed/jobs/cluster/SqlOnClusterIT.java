package dev.flinkembed.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.sql.SqlSession;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.table.api.TableResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flink SQL on a standalone session cluster (flink-lib/ in its lib/, as docs/deployment.md installs it): the README's
 * SQL sessions run statement by statement through Flink's TableEnvironment, unchanged but for the addresses. The batch
 * session (2,000 Debian documents → chunk function → ML_PREDICT with the flink-embed provider → Parquet and pgvector)
 * must give the bulk job's rows, chunk by chunk, and the model's own vectors; the Kafka session (Debezium change
 * events → pgvector) must leave exactly the final documents' chunks after its TaskManager is killed mid-stream.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SqlOnClusterIT {

    static final int DOCS = 2000;
    static final String TABLE = "debian"; // the README's pgvector.table
    static final String TOPIC = "pg.public.documents"; // the README's topic
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static KafkaBroker kafka;
    static PgliteServer pg;
    static StandaloneCluster cluster;
    static Map<String, String> corpus = new LinkedHashMap<>();
    static Path input;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start();
        pg = PgliteServer.start();
        // SQL jobs run at the cluster's default parallelism: both slots
        cluster = StandaloneCluster.start(
                dir.resolve("cluster"), Map.of("taskmanager.numberOfTaskSlots", "2", "parallelism.default", "2"));
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
        // 2,000 distinct Debian documents where the full corpus is at hand, else the 1,000-row sample twice
        List<GenericRecord> rows = ParquetRows.head(TestCorpus.fullCorpusOrSample(), DOCS);
        if (rows.size() < DOCS) {
            rows = TestCorpus.replicated(2);
        }
        for (GenericRecord r : rows) {
            corpus.put(r.get("id").toString(), r.get("text").toString());
        }
        // Two files: Flink SQL's file source reads a file per slot, and ML_PREDICT runs chained in the source's slot.
        input = java.nio.file.Files.createDirectories(dir.resolve("debian"));
        Map<String, String> half = new LinkedHashMap<>();
        int n = 0;
        for (Map.Entry<String, String> e : corpus.entrySet()) {
            half.put(e.getKey(), e.getValue());
            if (++n == corpus.size() / 2 || n == corpus.size()) {
                TestCorpus.writeDocuments(input.resolve("part-" + (n == corpus.size() ? 2 : 1) + ".parquet"), half);
                half = new LinkedHashMap<>();
            }
        }
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

    static Map<String, String> addresses() {
        return SqlSession.replacing(
                "/opt/flink-embed/flink-embed-all.jar",
                StandaloneCluster.jobJar().toString(),
                "/data/debian.parquet",
                input.toString(),
                "jdbc:postgresql://db:5432/search?user=flink",
                pg.jdbcUrl(),
                "/data/flink-embed-dead-letters",
                dir.resolve("dead-letters").toString(),
                "kafka:9092",
                kafka.bootstrapServers(),
                "'execution.checkpointing.interval' = '10s'",
                "'execution.checkpointing.interval' = '1s'");
    }

    record ChunkRow(int chunkCount, String text, int startChar, int endChar, int tokens, String hash, float[] v) {
        String lineage() {
            return chunkCount + "|" + startChar + "|" + endChar + "|" + tokens + "|" + hash + "|" + text;
        }
    }

    static Map<String, ChunkRow> parquet(String glob) throws Exception {
        Map<String, ChunkRow> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text, start_char, end_char, "
                        + "token_count, content_hash, embedding FROM read_parquet('" + glob + "')")) {
            while (rs.next()) {
                Object[] arr = (Object[]) rs.getArray(9).getArray();
                float[] v = new float[arr.length];
                for (int i = 0; i < arr.length; i++) {
                    v[i] = ((Number) arr[i]).floatValue();
                }
                ChunkRow row = new ChunkRow(
                        rs.getInt(3), rs.getString(4), rs.getInt(5), rs.getInt(6), rs.getInt(7), rs.getString(8), v);
                assertThat(out.put(rs.getString(1) + "#" + rs.getInt(2), row))
                        .as("chunk %s#%d twice in %s", rs.getString(1), rs.getInt(2), glob)
                        .isNull();
            }
        }
        return out;
    }

    /** The SQL session's table as `search` reads it. */
    static Map<String, ChunkRow> pgvector() throws Exception {
        Map<String, ChunkRow> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text, start_char, end_char, "
                        + "token_count, content_hash, embedding::text, model, model_fingerprint FROM " + TABLE)) {
            while (rs.next()) {
                assertThat(rs.getString(10)).isEqualTo(ModelOptions.DEFAULT_MODEL);
                assertThat(rs.getString(11)).isNotBlank();
                out.put(
                        rs.getString(1) + "#" + rs.getInt(2),
                        new ChunkRow(
                                rs.getInt(3),
                                rs.getString(4),
                                rs.getInt(5),
                                rs.getInt(6),
                                rs.getInt(7),
                                rs.getString(8),
                                PgliteServer.parseVector(rs.getString(9))));
            }
        }
        return out;
    }

    @Test
    @Order(1)
    void theReadmesBatchSessionWritesTheBulkJobsRowsAndTheModelsVectors() throws Exception {
        long start = System.nanoTime();
        TableResult insert = SqlSession.remote(cluster.restPort).run(SqlSession.readmeStatements("batch", addresses()));
        insert.await(15, TimeUnit.MINUTES);
        System.out.printf("SQL batch session: %d documents in %.1f s%n", DOCS, (System.nanoTime() - start) / 1e9);

        StandaloneCluster.CliResult bulk = cluster.flink(
                "run",
                StandaloneCluster.jobJar().toString(),
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("bulk").toString(),
                "--parallelism",
                "2");
        assertThat(bulk.exitCode()).as(bulk.output()).isZero();

        Map<String, ChunkRow> sql = pgvector();
        Map<String, ChunkRow> jobs = parquet(dir.resolve("bulk").resolve("vectors") + "/*.parquet");
        assertThat(sql.keySet())
                .as("the SQL session's chunks are the bulk job's")
                .isEqualTo(jobs.keySet());
        List<String> keys = new ArrayList<>(sql.keySet());
        double worstToBulk = 1;
        for (String k : keys) {
            assertThat(sql.get(k).lineage())
                    .as("chunk %s", k)
                    .isEqualTo(jobs.get(k).lineage());
            worstToBulk = Math.min(
                    worstToBulk, Vectors.cosine(sql.get(k).v(), jobs.get(k).v()));
        }
        // The model's own vectors for the same texts, outside Flink (what `embed` computes).
        double worstToModel = 1;
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            var reference = model.embed(keys.stream()
                            .map(k -> EmbeddingInput.document(sql.get(k).text()))
                            .toList())
                    .embeddings();
            for (int i = 0; i < keys.size(); i++) {
                worstToModel = Math.min(
                        worstToModel,
                        Vectors.cosine(
                                sql.get(keys.get(i)).v(), reference.get(i).vector()));
            }
        }
        System.out.printf(
                "SQL batch session: %d chunks of %d documents equal the bulk job's row by row; worst cosine to the "
                        + "bulk job's vectors %.8f, to the model's %.8f%n",
                keys.size(), corpus.size(), worstToBulk, worstToModel);
        assertThat(worstToBulk).isGreaterThanOrEqualTo(0.99999);
        assertThat(worstToModel).isGreaterThanOrEqualTo(0.99999);

        // What SQL wrote is a flink-embed table: search finds a document by its own text without a lineage warning,
        // and an incremental reindex of the same corpus finds nothing to embed.
        String first = corpus.keySet().iterator().next();
        CliRun search = CliRun.of(
                "search", "--pg-url", pg.jdbcUrl(), "--table", TABLE, "--query", corpus.get(first), "--k", "1");
        assertThat(search.code()).as(search.err()).isZero();
        assertThat(search.err()).doesNotContain("warning");
        assertThat(JSON.readTree(search.out()
                                .lines()
                                .filter(l -> l.startsWith("{"))
                                .findFirst()
                                .orElseThrow())
                        .get("doc_id")
                        .asText())
                .as("the corpus is the sample twice: its copy (same text) ties with it")
                .isIn(first, first + "#1");
        CliRun reindex = CliRun.of(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                TABLE,
                "--output",
                dir.resolve("reindex").toString(),
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=0");
        assertThat(reindex.code()).as(reindex.err()).isZero();
        String[] lines = reindex.out().strip().split("\n");
        var summary = JSON.readTree(lines[lines.length - 1]);
        System.out.println("reindex over the SQL session's table: " + summary);
        assertThat(summary.get("chunks_to_embed").asLong()).isZero();
        assertThat(summary.get("chunks_unchanged").asLong()).isEqualTo(keys.size());
    }

    @Test
    @Order(2)
    void theReadmesKafkaSessionKeepsTheTableInSyncAcrossAKilledTaskManager() throws Exception {
        kafka.createTopic(TOPIC, 2);
        List<GenericRecord> sample = ParquetRows.head(TestCorpus.SAMPLE, 400);
        Map<String, String> live = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = 0; i < 300; i++) {
                String id = "row-" + i;
                live.put(id, sample.get(i).get("text").toString());
                StreamExpectations.send(producer, TOPIC, id, change("r", id, null, live.get(id)));
            }
        }
        Map<String, String> batchRows = StreamExpectations.tableTexts(pg, TABLE);
        TableResult insert = SqlSession.remote(cluster.restPort).run(SqlSession.readmeStatements("kafka", addresses()));
        String jobId = insert.getJobClient().orElseThrow().getJobID().toString();
        cluster.waitFor(
                "a completed checkpoint and 100 rows of the change stream",
                () -> cluster.completedCheckpoints(jobId) >= 1
                        && StreamExpectations.rowCount(pg, TABLE) >= batchRows.size() + 100,
                Duration.ofMinutes(4));
        Process killed = cluster.taskManagers().get(0);
        killed.destroyForcibly();
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        cluster.startTaskManager();
        cluster.waitFor(
                "the SQL job to restart on the new TaskManager",
                () -> cluster.restarts(jobId) >= 1 && "RUNNING".equals(cluster.jobState(jobId)),
                Duration.ofMinutes(3));
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = 0; i < 40; i++) { // updates: other texts, some much shorter or longer
                String id = "row-" + i;
                String before = live.get(id);
                live.put(id, sample.get(399 - i).get("text") + " Updated in the database.");
                StreamExpectations.send(producer, TOPIC, id, change("u", id, before, live.get(id)));
            }
            for (int i = 280; i < 300; i++) { // deletes, each followed by Debezium's tombstone
                String id = "row-" + i;
                StreamExpectations.send(producer, TOPIC, id, change("d", id, live.remove(id), null));
                StreamExpectations.send(producer, TOPIC, id, null);
            }
        }
        Map<String, Chunk> changes = StreamExpectations.expectedChunks(JobConfig.defaults(), live);
        Map<String, String> expected = new HashMap<>(batchRows);
        expected.putAll(StreamExpectations.texts(changes));
        try {
            cluster.waitFor(
                    "the table to equal the batch rows and the final rows' chunks",
                    () -> StreamExpectations.tableTexts(pg, TABLE).equals(expected),
                    Duration.ofMinutes(5));
        } finally {
            insert.getJobClient().orElseThrow().cancel().get(1, TimeUnit.MINUTES);
        }
        Map<String, Chunk> all = new HashMap<>(changes);
        StreamExpectations.assertVectorsAreTheModels(
                pg, TABLE + " WHERE doc_id LIKE 'row-%'", JobConfig.defaults(), all);
    }

    @Test
    @Order(3)
    void aWrongOptionFailsTheStatementWithTheJobsMessage() {
        SqlSession session = SqlSession.remote(cluster.restPort);
        session.tables().executeSql("CREATE TEMPORARY VIEW queries AS SELECT * FROM (VALUES ('a'), ('b')) AS q(text)");
        session.tables()
                .executeSql("CREATE TEMPORARY MODEL truncated INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
                        + "WITH ('provider' = 'flink-embed', 'model.dimensions' = '1024')");
        assertThatThrownBy(
                        () -> session.tables()
                                .executeSql(
                                        "SELECT text, embedding FROM ML_PREDICT(TABLE queries, MODEL truncated, DESCRIPTOR(text))"))
                .rootCause()
                .hasMessageContaining("configuration key 'model.dimensions': value '1024' is not accepted; accepted "
                        + "for builtin:all-minilm-l6-v2: 1..384 (its hidden size)");
    }

    /** A Debezium change event as its JSON converter writes it without schemas. */
    static String change(String op, String id, String before, String after) throws Exception {
        ObjectNode n = JSON.createObjectNode();
        n.set("before", before == null ? null : row(id, before));
        n.set("after", after == null ? null : row(id, after));
        n.put("op", op);
        n.put("ts_ms", System.currentTimeMillis());
        return JSON.writeValueAsString(n);
    }

    private static ObjectNode row(String id, String body) {
        return JSON.createObjectNode().put("id", id).putNull("title").put("body", body);
    }
}
