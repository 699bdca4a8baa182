package dev.flinkembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every built-in model against two independent implementations on the 53 varied texts plus 200 Debian descriptions:
 * ONNX Runtime running the same ONNX file on our token ids (the forward pass and pooling), and LangChain4j's own model
 * class end to end (its tokenizer settings, special tokens, pooling and ONNX Runtime). LangChain4j does not truncate:
 * a text longer than its segment length is embedded in parts that it averages, where we truncate as
 * sentence-transformers does; such texts are compared with ONNX Runtime only.
 */
@Tag("e2e")
class BuiltinModelOraclesTest {

    @ParameterizedTest
    @ValueSource(strings = {BuiltinModels.ALL_MINILM_L6_V2, BuiltinModels.BGE_SMALL_EN_V15, BuiltinModels.E5_SMALL_V2})
    void matchesOnnxRuntimeAndLangChain4j(String name) throws Exception {
        List<String> texts = new ArrayList<>(TestTexts.varied());
        texts.addAll(debianDescriptions(200));
        try (InProcessEmbeddingModel model = InProcessEmbeddingModel.open(ModelOptions.defaults(name))) {
            List<Embedding> ours = model.embed(
                            texts.stream().map(EmbeddingInput::document).toList())
                    .embeddings();
            List<Embedding> queries = model.embed(texts.subList(0, 53).stream()
                            .map(EmbeddingInput::query)
                            .toList())
                    .embeddings();
            Function<String, String> asDocument = t -> model.prompt().format(EmbeddingInput.document(t));
            Function<String, String> asQuery = t -> model.prompt().format(EmbeddingInput.query(t));

            OrtEnvironment env = OrtEnvironment.getEnvironment();
            double worstOnnx = 1;
            try (OrtSession session =
                    env.createSession(BuiltinModels.onnxBytes(name), new OrtSession.SessionOptions())) {
                for (int i = 0; i < texts.size(); i++) {
                    TokenIds ids = model.tokenizer().encode(asDocument.apply(texts.get(i)));
                    worstOnnx = Math.min(
                            worstOnnx, Vectors.cosine(ours.get(i).vector(), onnx(env, session, ids, model.pooling())));
                }
                for (int i = 0; i < 53; i++) {
                    TokenIds ids = model.tokenizer().encode(asQuery.apply(texts.get(i)));
                    worstOnnx = Math.min(
                            worstOnnx,
                            Vectors.cosine(queries.get(i).vector(), onnx(env, session, ids, model.pooling())));
                }
            }

            EmbeddingModel theirs = langChain4j(name);
            double worstLangChain4j = 1;
            int compared = 0;
            for (int i = 0; i < texts.size(); i++) {
                String text = asDocument.apply(texts.get(i));
                if (texts.get(i).isBlank() || model.tokenizer().encode(text).length() > langChain4jSegment(name)) {
                    continue; // LangChain4j refuses blank texts and averages parts of long ones
                }
                float[] reference =
                        theirs.embed(TextSegment.from(text)).content().vector();
                worstLangChain4j =
                        Math.min(worstLangChain4j, Vectors.cosine(ours.get(i).vector(), reference));
                compared++;
            }
            System.out.printf(
                    "%s: worst cosine vs ONNX Runtime %.8f over %d texts + 53 queries; vs LangChain4j "
                            + "%.8f over %d texts%n",
                    name, worstOnnx, texts.size(), worstLangChain4j, compared);
            assertThat(worstOnnx).isGreaterThanOrEqualTo(0.99999);
            // most texts fit LangChain4j's segment (the rest only ONNX Runtime checks)
            assertThat(compared).isGreaterThan(texts.size() * 3 / 4);
            assertThat(worstLangChain4j).isGreaterThanOrEqualTo(0.99999);
        }
    }

    /**
     * The longest text, in tokens with special tokens, that LangChain4j embeds in one piece: 128 for all-MiniLM-L6-v2
     * (the limit of the tokenizer.json in its jar; sentence-transformers and flink-embed use 256 and truncate), the
     * model's 512 for the others. Beyond it LangChain4j averages the pieces' vectors.
     */
    private static int langChain4jSegment(String name) {
        return name.equals(BuiltinModels.ALL_MINILM_L6_V2) ? 128 : 512;
    }

    private static EmbeddingModel langChain4j(String name) {
        return switch (name) {
            case BuiltinModels.ALL_MINILM_L6_V2 -> new AllMiniLmL6V2EmbeddingModel();
            case BuiltinModels.BGE_SMALL_EN_V15 -> new BgeSmallEnV15EmbeddingModel();
            case BuiltinModels.E5_SMALL_V2 -> new E5SmallV2EmbeddingModel();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The first {@code n} texts of the Debian sample in the repository (read with DuckDB). */
    static List<String> debianDescriptions(int n) throws Exception {
        Path sample = Path.of("..", "conf", "samples", "debian-descriptions-1000.parquet")
                .toAbsolutePath()
                .normalize();
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT text FROM read_parquet('" + sample + "') LIMIT " + n)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        assertThat(out).hasSize(n);
        return out;
    }

    /** ONNX Runtime on one unpadded sequence, pooled as the model says, normalized. */
    private static float[] onnx(OrtEnvironment env, OrtSession session, TokenIds ids, Pooling pooling)
            throws Exception {
        long[][] mask = {new long[ids.length()]};
        java.util.Arrays.fill(mask[0], 1L);
        try (OnnxTensor a = OnnxTensor.createTensor(env, new long[][] {ids.ids()});
                OnnxTensor b = OnnxTensor.createTensor(env, mask);
                OnnxTensor c = OnnxTensor.createTensor(env, new long[][] {ids.typeIds()});
                OrtSession.Result result =
                        session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
            float[][] hidden = ((float[][][]) result.get(0).getValue())[0];
            float[] v = new float[hidden[0].length];
            if (pooling == Pooling.CLS) {
                v = hidden[0].clone();
            } else {
                for (float[] token : hidden) {
                    for (int d = 0; d < v.length; d++) {
                        v[d] += token[d] / hidden.length;
                    }
                }
            }
            Vectors.normalizeInPlace(v);
            return v;
        }
    }
}
