package dev.flinkembed.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.operators.stores.pgvector.PgVectorStoreFactory;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.serve.EmbeddingServer;
import dev.flinkembed.serve.ServeOptions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The stream job with the remote backend (against {@code serve}) writes the in-process vectors to pgvector. */
@Tag("e2e")
class StreamRemoteBackendTest {

    @Test
    void kafkaToPgvectorThroughAServer() throws Exception {
        ModelOptions model = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        List<GenericRecord> docs = ParquetRows.head(TestCorpus.SAMPLE, 200);
        try (KafkaBroker kafka = KafkaBroker.start();
                PgliteServer pg = PgliteServer.start();
                EmbeddingServer server = EmbeddingServer.start(ServeOptions.builder(model, "all-minilm-l6-v2")
                        .port(0)
                        .threads(16)
                        .build())) {
            kafka.createTopic("docs", 1);
            try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
                for (GenericRecord r : docs) {
                    String id = r.get("id").toString();
                    String json = "{\"id\":" + quote(id) + ",\"text\":"
                            + quote(r.get("text").toString()) + "}";
                    p.send(new ProducerRecord<>(
                            "docs", id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
                }
            }
            JobConfig config = JobConfig.defaults()
                    .with(JobOptions.KAFKA_BOOTSTRAP, kafka.bootstrapServers())
                    .with(JobOptions.KAFKA_TOPIC, "docs")
                    .with(PgVectorStoreFactory.URL, pg.jdbcUrl())
                    .with(PgVectorStoreFactory.TABLE, "remote_vectors")
                    .with(JobOptions.JOB_CHECKPOINT_INTERVAL, "1s")
                    .with(JobOptions.EMBED_BACKEND, "remote")
                    .with(JobOptions.REMOTE_URL, server.url())
                    .with(JobOptions.REMOTE_MODEL, "all-minilm-l6-v2");
            StreamJob.Plan plan = StreamJob.plan(config);
            JobClient client = StreamJob.start(StreamExecutionEnvironment.getExecutionEnvironment(), plan, System.out);
            List<String> texts = new ArrayList<>();
            List<float[]> stored = new ArrayList<>();
            try {
                long deadline = System.nanoTime() + 180_000_000_000L;
                while (distinct(pg) < docs.size()) {
                    assertThat(System.nanoTime())
                            .as("all documents in the table in time")
                            .isLessThan(deadline);
                    Thread.sleep(500);
                }
            } finally {
                client.cancel().get();
            }
            try (Connection c = pg.connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT text, embedding::text, model FROM remote_vectors")) {
                while (rs.next()) {
                    texts.add(rs.getString(1));
                    stored.add(PgliteServer.parseVector(rs.getString(2)));
                    assertThat(rs.getString(3)).isEqualTo("remote:all-minilm-l6-v2");
                }
            }
            double worst = 1;
            try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(model)) {
                var fresh = m.embed(texts.stream().map(EmbeddingInput::document).toList())
                        .embeddings();
                for (int i = 0; i < texts.size(); i++) {
                    worst = Math.min(
                            worst, Vectors.cosine(stored.get(i), fresh.get(i).vector()));
                }
            }
            System.out.printf("stream remote: %d rows, worst cosine %.8f%n", texts.size(), worst);
            assertThat(worst).isGreaterThan(0.99999);
        }
    }

    private static long distinct(PgliteServer pg) {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(DISTINCT doc_id) FROM remote_vectors")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    private static String quote(String s) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    }
}
