package dev.flinkembed.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.serve.EmbeddingServer;
import dev.flinkembed.serve.ServeOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The flink-embed model provider in a local TableEnvironment (the cluster suite runs the README's SQL). */
class EmbeddingModelProviderTest {

    static TableEnvironment tables;

    @BeforeAll
    static void environment() {
        tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tables.getConfig().set("parallelism.default", "1");
        tables.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "256");
        tables.executeSql(
                "CREATE TEMPORARY VIEW docs AS SELECT * FROM (VALUES (1, 'Debian is a free operating system.'),"
                        + " (2, 'The quick brown fox'), (3, 'flink-embed turns documents into vectors')) AS t(id, text)");
    }

    static Map<Integer, float[]> collect(String sql, int column) throws Exception {
        Map<Integer, float[]> out = new HashMap<>();
        try (CloseableIterator<Row> rows = tables.executeSql(sql).collect()) {
            while (rows.hasNext()) {
                Row r = rows.next();
                Float[] v = (Float[]) r.getField(column);
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = v[i];
                }
                out.put((Integer) r.getField(0), f);
            }
        }
        return out;
    }

    @Test
    void vectorsEqualTheRuntimes() throws Exception {
        tables.executeSql("CREATE TEMPORARY MODEL doc_embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
                + "WITH ('provider' = 'flink-embed', 'model.name' = 'builtin:all-minilm-l6-v2')");
        Map<Integer, float[]> got =
                collect("SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL doc_embedder, DESCRIPTOR(text))", 1);
        assertThat(got).hasSize(3);
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            List<String> texts = List.of(
                    "Debian is a free operating system.",
                    "The quick brown fox",
                    "flink-embed turns documents into vectors");
            List<EmbeddingInput> in = new ArrayList<>();
            texts.forEach(t -> in.add(EmbeddingInput.document(t)));
            var expected = model.embed(in);
            for (int i = 0; i < 3; i++) {
                assertThat(cosine(got.get(i + 1), expected.embeddings().get(i).vector()))
                        .isGreaterThan(0.99999);
            }
        }
    }

    @Test
    void aRerankerScoresQueryDocumentPairsAsTheReference() throws Exception {
        java.nio.file.Path fixture =
                dev.flinkembed.jobs.TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-reranker-tiny");
        var golden = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(fixture.resolve("golden.json").toFile())
                .get("cases");
        StringBuilder values = new StringBuilder();
        Map<Integer, Double> expected = new HashMap<>();
        for (int i = 0; i < golden.size(); i++) {
            var c = golden.get(i);
            if (!c.get("instruction").isNull() || !c.get("max_tokens").isNull()) {
                continue;
            }
            values.append(values.length() == 0 ? "" : ", ")
                    .append("(")
                    .append(i)
                    .append(", '")
                    .append(c.get("query").asText().replace("'", "''"))
                    .append("', '")
                    .append(c.get("document").asText().replace("'", "''"))
                    .append("')");
            expected.put(i, c.get("score").asDouble());
        }
        values.append(", (99, 'a query', CAST(NULL AS STRING))");
        tables.executeSql(
                "CREATE TEMPORARY VIEW pairs AS SELECT * FROM (VALUES " + values + ") AS t(id, query, document)");
        tables.executeSql("CREATE TEMPORARY MODEL reranker INPUT (query STRING, document STRING) OUTPUT (score FLOAT) "
                + "WITH ('provider' = 'flink-embed', 'rerank.model' = '" + fixture + "')");
        Map<Integer, Float> got = new HashMap<>();
        try (CloseableIterator<Row> rows = tables.executeSql(
                        "SELECT id, score FROM ML_PREDICT(TABLE pairs, MODEL reranker, DESCRIPTOR(query, document))")
                .collect()) {
            rows.forEachRemaining(r -> got.put((Integer) r.getField(0), (Float) r.getField(1)));
        }
        assertThat(got).hasSize(expected.size() + 1);
        assertThat(got.get(99)).as("NULL in, NULL out").isNull();
        expected.forEach((id, score) -> assertThat((double) got.get(id))
                .as("pair %d", id)
                .isCloseTo(score, org.assertj.core.data.Offset.offset(2e-5)));
    }

    @Test
    void aRemoteRerankerAndSchemaMistakes() throws Exception {
        try (dev.flinkembed.runtime.remote.RerankServers tei = new dev.flinkembed.runtime.remote.RerankServers()) {
            tables.executeSql(
                    "CREATE TEMPORARY VIEW remote_pairs AS SELECT * FROM (VALUES (1, 'capital of France', "
                            + "'Paris is the capital of France'), (2, 'capital of France', 'Berlin is in Germany')) AS t(id, q, d)");
            tables.executeSql("CREATE TEMPORARY MODEL remote_reranker INPUT (q STRING, d STRING) OUTPUT (score FLOAT, "
                    + "error STRING) WITH ('provider' = 'flink-embed', 'rerank.model' = 'bge-reranker-v2-m3', "
                    + "'rerank.url' = '" + tei.url() + "', 'rerank.api' = 'tei')");
            Map<Integer, Row> rows = new HashMap<>();
            try (CloseableIterator<Row> it = tables.executeSql(
                            "SELECT id, score, error FROM ML_PREDICT(TABLE remote_pairs, MODEL remote_reranker, DESCRIPTOR(q, d))")
                    .collect()) {
                it.forEachRemaining(r -> rows.put((Integer) r.getField(0), r));
            }
            assertThat((Float) rows.get(1).getField(1))
                    .isEqualTo(dev.flinkembed.runtime.remote.RerankServers.expected(
                            "capital of France", "Paris is the capital of France"));
            assertThat((Float) rows.get(2).getField(1))
                    .isEqualTo(dev.flinkembed.runtime.remote.RerankServers.expected(
                            "capital of France", "Berlin is in Germany"));
            assertThat(rows.get(1).getField(2)).isNull();
        }
        tables.executeSql("CREATE TEMPORARY MODEL bad_reranker INPUT (q STRING, d STRING) OUTPUT (score DOUBLE) "
                + "WITH ('provider' = 'flink-embed', 'rerank.model' = '/nowhere')");
        assertThatThrownBy(() -> tables.executeSql(
                                "SELECT * FROM ML_PREDICT(TABLE remote_pairs, MODEL bad_reranker, DESCRIPTOR(q, d))")
                        .await())
                .hasStackTraceContaining("a reranker's OUTPUT must be a score column (FLOAT)");
    }

    @Test
    void remoteRowsShareRequestsAndARefusedTextKeepsItsReasonInTheErrorColumn() throws Exception {
        ModelOptions model = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        try (EmbeddingServer server = EmbeddingServer.start(
                ServeOptions.builder(model, "all-minilm-l6-v2").port(0).build())) {
            tables.executeSql("CREATE TEMPORARY VIEW remote_docs AS SELECT * FROM (VALUES (1, 'A short text.'), "
                    + "(2, '" + "far too long for the server ".repeat(200)
                    + "'), (3, CAST(NULL AS STRING))) AS t(id, text)");
            tables.executeSql("CREATE TEMPORARY MODEL remote_embedder INPUT (text STRING) OUTPUT (embedding "
                    + "ARRAY<FLOAT>, error STRING) WITH ('provider' = 'flink-embed', 'embed.backend' = 'remote', "
                    + "'remote.url' = '" + server.url() + "', 'remote.model' = 'all-minilm-l6-v2')");
            Map<Integer, Row> rows = new HashMap<>();
            try (CloseableIterator<Row> it = tables.executeSql("SELECT id, embedding, error FROM ML_PREDICT(TABLE "
                            + "remote_docs, MODEL remote_embedder, DESCRIPTOR(text))")
                    .collect()) {
                it.forEachRemaining(r -> rows.put((Integer) r.getField(0), r));
            }
            assertThat(((Float[]) rows.get(1).getField(1))).hasSize(384);
            assertThat(rows.get(1).getField(2)).isNull();
            assertThat(rows.get(2).getField(1)).isNull();
            assertThat((String) rows.get(2).getField(2)).startsWith("refused-by-model: ");
            assertThat(rows.get(3).getField(1)).as("NULL in, NULL out").isNull();
            assertThat(rows.get(3).getField(2)).isNull();
        }
    }

    @Test
    void modelPrecisionInTheWithMapRunsTheInt8Model() throws Exception {
        tables.executeSql("CREATE TEMPORARY MODEL int8_embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
                + "WITH ('provider' = 'flink-embed', 'model.name' = 'builtin:all-minilm-l6-v2', "
                + "'model.precision' = 'int8')");
        Map<Integer, float[]> got =
                collect("SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL int8_embedder, DESCRIPTOR(text))", 1);
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL)
                        .withPrecision(dev.flinkembed.runtime.encoder.Precision.INT8))) {
            var expected = model.embed(List.of(
                    EmbeddingInput.document("Debian is a free operating system."),
                    EmbeddingInput.document("The quick brown fox"),
                    EmbeddingInput.document("flink-embed turns documents into vectors")));
            for (int i = 0; i < 3; i++) {
                // The int8 runtime's own vectors (batching may differ: int8 activations are quantized per batch).
                assertThat(cosine(got.get(i + 1), expected.embeddings().get(i).vector()))
                        .isGreaterThan(0.995);
            }
        }
        tables.executeSql("CREATE TEMPORARY MODEL bad_precision INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
                + "WITH ('provider' = 'flink-embed', 'model.precision' = 'int4')");
        assertThatThrownBy(() -> tables.executeSql(
                                "SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL bad_precision, DESCRIPTOR(text))")
                        .await())
                .rootCause()
                .hasMessageContaining("model.precision")
                .hasMessageContaining("int4")
                .hasMessageContaining("int8");
    }

    @Test
    void aWrongOptionFailsTheStatementNamingTheKey() {
        tables.executeSql("CREATE TEMPORARY MODEL bad INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
                + "WITH ('provider' = 'flink-embed', 'model.dimension' = '64')");
        assertThatThrownBy(() -> tables.executeSql(
                                "SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL bad, DESCRIPTOR(text))")
                        .await())
                .rootCause()
                .hasMessageContaining("model 'default_catalog.default_database.bad': unknown configuration key "
                        + "'model.dimension'; did you mean 'model.dimensions'?");
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
