package dev.flinkembed.jobs.poison;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.stream.StreamJob;
import dev.flinkembed.operators.stores.pgvector.PgVectorOptions;
import dev.flinkembed.operators.stores.pgvector.PgVectorSink;
import dev.flinkembed.operators.stores.pgvector.PgVectorStoreFactory;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.PgliteServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The poison corpus as Kafka messages through the stream job (→ pgvector table that refuses one document, + vectors
 * topic): every good document lands once, each poison message gives exactly one dead letter on the dead-letter topic
 * (a 3 MiB one cut to fit, with a marker), no restart, no document text in any log. Then a systemic failure (every
 * write refused with a non-data SQLSTATE): the bounded restart strategy stops the job with its cause.
 */
@Tag("e2e")
class PoisonStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static KafkaBroker kafka;
    static PgliteServer pg;
    static MiniCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start();
        pg = PgliteServer.start();
        cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
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

    private static KafkaProducer<byte[], byte[]> bigProducer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 << 20));
        return new KafkaProducer<>(p);
    }

    private static JobConfig config(String topic, String table) {
        return JobConfig.defaults()
                .with(JobOptions.KAFKA_BOOTSTRAP, kafka.bootstrapServers())
                .with(JobOptions.KAFKA_TOPIC, topic)
                .with(PgVectorStoreFactory.URL, pg.jdbcUrl())
                .with(PgVectorStoreFactory.TABLE, table)
                .with(JobOptions.JOB_PARALLELISM, "2")
                .with(JobOptions.JOB_CHECKPOINT_INTERVAL, "2s")
                .with(PgVectorStoreFactory.FLUSH_INTERVAL, "300ms")
                .with(JobOptions.CHUNK_MAX_DOCUMENT_CHARS, Integer.toString(PoisonCorpus.MAX_DOCUMENT_CHARS));
    }

    @Test
    void poisonMessagesBecomeDeadLettersAndEverythingElseLands() throws Exception {
        PoisonCorpus corpus = PoisonCorpus.json(40);
        corpus.addStoreRefusal();
        List<byte[]> all = corpus.interleaved();
        int kafkaOnlyFrom = corpus.poisons.size();
        // Kafka-only poisons: tombstones that name no document, a message over 1 MiB (its dead letter must be cut).
        corpus.poisons.add(new PoisonCorpus.Poison(
                "tombstone-without-key", null, null, "parse", "missing-field", "without a key"));
        corpus.poisons.add(new PoisonCorpus.Poison(
                "tombstone-key-not-utf8",
                new byte[] {(byte) 0xC3, 0x28},
                null,
                "parse",
                "bad-id",
                "key is not valid UTF-8"));
        String huge = "{\"id\":\"p-huge\",\"text\":\"" + PoisonCorpus.token("huge-message") + " " + "x".repeat(3 << 20);
        corpus.poisons.add(new PoisonCorpus.Poison(
                "huge-message",
                null,
                huge.getBytes(StandardCharsets.UTF_8),
                "parse",
                "invalid-json",
                PoisonCorpus.token("huge-message")));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("poison-docs", 2, (short) 1)
                            .configs(Map.of("max.message.bytes", Integer.toString(8 << 20)))))
                    .all()
                    .get();
        }
        PgVectorSink.prepareTable(
                PgVectorOptions.builder(pg.jdbcUrl(), "poison_stream", 384).build());
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            for (String sql : PoisonCorpus.storeRefusalTrigger("poison_stream")) {
                s.execute(sql);
            }
        }
        try (KafkaProducer<byte[], byte[]> p = bigProducer()) {
            for (byte[] v : all) {
                p.send(new ProducerRecord<>("poison-docs", key(v), v)).get();
            }
            for (PoisonCorpus.Poison poison : corpus.poisons.subList(kafkaOnlyFrom, corpus.poisons.size())) {
                p.send(new ProducerRecord<>("poison-docs", poison.key(), poison.value()))
                        .get();
            }
        }
        JobConfig config =
                config("poison-docs", "poison_stream").with(JobOptions.KAFKA_VECTORS_TOPIC, "poison-vectors");
        try (LogCapture logs = new LogCapture()) {
            JobClient client =
                    StreamJob.start(new TestStreamEnvironment(cluster, 2), StreamJob.plan(config), System.out);
            String dlq = "poison-docs.dead-letter";
            try {
                long deadline = System.nanoTime() + 240_000_000_000L;
                while (distinctDocs("poison_stream") < corpus.landing.size()
                        || kafka.readAll(dlq, true).size() < corpus.poisons.size()) {
                    assertThat(System.nanoTime())
                            .as("every document and dead letter in time")
                            .isLessThan(deadline);
                    Thread.sleep(1000);
                }
                Thread.sleep(5000); // two more checkpoints: nothing else may arrive
                assertThat(restarts(client)).as("numRestarts").isZero();
                assertThat(logs.text())
                        .doesNotContain(client.getJobID() + ") switched from state RUNNING to RESTARTING");
            } finally {
                client.cancel().get();
            }
            PoisonExpectations.assertNoDocumentTextIn("the log", logs.text());

            assertTable(corpus);
            List<PoisonExpectations.Letter> letters = new ArrayList<>();
            ConsumerRecord<byte[], byte[]> hugeLetter = null;
            for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(dlq, true)) {
                letters.add(new PoisonExpectations.Letter(
                        header(r, "flink-embed.stage"),
                        header(r, "flink-embed.kind"),
                        header(r, "flink-embed.doc-id"),
                        header(r, "flink-embed.reason"),
                        r.value()));
                if (r.headers().lastHeader("flink-embed.truncated") != null) {
                    hugeLetter = r;
                }
            }
            Map<String, Integer> perKind = PoisonExpectations.assertEachPoisonOnce(corpus.poisons, letters);
            assertThat(hugeLetter).as("the 3 MiB message's dead letter, cut").isNotNull();
            assertThat(header(hugeLetter, "flink-embed.truncated")).startsWith(huge.length() + " bytes, first ");
            assertThat(hugeLetter.value().length).isLessThan(1 << 20);
            int vectors = assertVectorsTopic(corpus);
            System.out.printf(
                    "poison stream→pgvector+topic: %d documents landed (%d vectors on the topic), %d poison "
                            + "kinds, dead letters %s, 0 restarts%n",
                    corpus.landing.size(), vectors, corpus.poisons.size(), perKind);
        }
    }

    /** A failure that is not about one record repeats: after job.restart-attempts restarts the job stops with it. */
    @Test
    void aSystemicFailureStopsTheJobAfterTheConfiguredRestarts() throws Exception {
        kafka.createTopic("systemic-docs", 1);
        PgVectorSink.prepareTable(
                PgVectorOptions.builder(pg.jdbcUrl(), "systemic", 384).build());
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION systemic_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "RAISE EXCEPTION 'permission denied for the vectors' USING ERRCODE = '42501'; END $$");
            s.execute("CREATE TRIGGER systemic_refuse BEFORE INSERT OR UPDATE ON systemic FOR EACH ROW "
                    + "EXECUTE FUNCTION systemic_refuse()");
        }
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < 5; i++) {
                byte[] v = ("{\"id\":\"s" + i + "\",\"text\":\"document " + i + "\"}").getBytes(StandardCharsets.UTF_8);
                p.send(new ProducerRecord<>("systemic-docs", key(v), v)).get();
            }
        }
        JobConfig config = config("systemic-docs", "systemic")
                .with(JobOptions.JOB_RESTART_ATTEMPTS, "2")
                .with(PgVectorStoreFactory.MAX_RETRIES, "0");
        try (LogCapture logs = new LogCapture()) {
            JobClient client =
                    StreamJob.start(new TestStreamEnvironment(cluster, 2), StreamJob.plan(config), System.out);
            String job = client.getJobID().toString();
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (!client.getJobStatus().get().isGloballyTerminalState()) {
                assertThat(System.nanoTime()).as("the job stops by itself").isLessThan(deadline);
                Thread.sleep(500);
            }
            assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.FAILED);
            assertThatThrownBy(() -> client.getJobExecutionResult().get())
                    .hasStackTraceContaining("SQLSTATE 42501: permission denied for the vectors");
            long restarts = logs.text()
                    .lines()
                    .filter(l -> l.contains(job) && l.contains("to RESTARTING"))
                    .count();
            assertThat(restarts).as("restarts before the job failed").isEqualTo(2);
            System.out.printf(
                    "systemic failure: job %s FAILED after %d restarts (job.restart-attempts=2)%n", job, restarts);
        }
    }

    private static byte[] key(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            return n != null && n.path("id").isTextual() ? n.get("id").asText().getBytes(StandardCharsets.UTF_8) : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static long distinctDocs(String table) {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(DISTINCT doc_id) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    private static void assertTable(PoisonCorpus corpus) throws Exception {
        Map<String, String> first = new HashMap<>();
        Map<String, Integer> rows = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text FROM poison_stream")) {
            while (rs.next()) {
                rows.merge(rs.getString(1), 1, Integer::sum);
                if (rs.getInt(2) == 0) {
                    first.put(rs.getString(1), rs.getString(4));
                }
            }
        }
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(corpus.landing.keySet());
        for (String id : List.of("duplicate", "repaired-nul-text", "repaired-surrogate-text")) {
            assertThat(first.get(id)).isEqualTo(corpus.landing.get(id));
        }
    }

    /** Each landing document's chunks once per version on the read_committed topic; the store refusal is there too. */
    private static int assertVectorsTopic(PoisonCorpus corpus) throws Exception {
        Map<String, Integer> perChunk = new HashMap<>();
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("poison-vectors", true);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            JsonNode n = JSON.readTree(r.value());
            perChunk.merge(n.get("doc_id").asText() + "#" + n.get("chunk_index").asInt(), 1, Integer::sum);
        }
        Map<String, Integer> versions = new HashMap<>();
        corpus.goodIds.forEach(id -> versions.merge(id, 1, Integer::sum));
        versions.put("p-store", 1); // embedded fine: only the table refused it
        perChunk.forEach((chunk, n) -> assertThat(n)
                .as("copies of %s", chunk)
                .isEqualTo(versions.get(chunk.substring(0, chunk.lastIndexOf('#')))));
        assertThat(perChunk.keySet().stream()
                        .map(k -> k.substring(0, k.lastIndexOf('#')))
                        .distinct())
                .containsExactlyInAnyOrderElementsOf(versions.keySet());
        return records.size();
    }

    /** The job's numRestarts metric from the REST API (the metric fetcher reports it after its first update). */
    private static long restarts(JobClient client) throws Exception {
        URI rest = cluster.getRestAddress().get();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(
                                            rest.resolve("/jobs/" + client.getJobID() + "/metrics?get=numRestarts"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            JsonNode n = JSON.readTree(r.body());
            if (n.isArray() && n.size() > 0) {
                return n.get(0).path("value").asLong();
            }
            assertThat(System.nanoTime())
                    .as("numRestarts reported: %s", r.body())
                    .isLessThan(deadline);
            Thread.sleep(1000);
        }
    }
}
