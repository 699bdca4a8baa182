package dev.flinkembed.runtime.qwen3;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.EmbeddingResult;
import dev.flinkembed.runtime.api.Role;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both fixtures (BF16 one file with the model. prefix and GQA; F32 shards without prefix and one KV head) against
 * golden vectors of an independent float64 implementation: tokenization, full size, MRL size, and a padded batch.
 */
class Qwen3GoldenParityTest {

    private static ModelOptions options(String fixture, String instruction, Integer dims) {
        return ModelOptions.defaults(Fixtures.folder(fixture).toString())
                .withInstruction(instruction)
                .withDimensions(dims);
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.BF16, Fixtures.F32_SHARDED})
    void tokenizationOfEachFormattedCaseEqualsItsInputIds(String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(options(fixture, null, null))) {
            for (JsonNode c : golden.get("cases")) {
                assertThat(m.tokenizer().encode(c.get("formatted").asText()).ids())
                        .as(c.get("text").asText())
                        .containsExactly(Fixtures.ids(c.get("input_ids")));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.BF16, Fixtures.F32_SHARDED})
    void everyCaseAloneMatchesTheGoldenVectorsAtFullAndMatryoshkaSize(String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        int mrl = golden.get("dims").get(0).asInt();
        // One model instance per (instruction, dimensions): loading is what takes time here.
        java.util.Map<String, InProcessEmbeddingModel> models = new java.util.HashMap<>();
        try {
            for (JsonNode c : golden.get("cases")) {
                String instruction = c.has("instruction") ? c.get("instruction").asText() : null;
                Role role = Role.parse(c.get("kind").asText());
                EmbeddingInput input = new EmbeddingInput(c.get("text").asText(), role);
                for (Integer dims : new Integer[] {null, mrl}) {
                    InProcessEmbeddingModel m = models.computeIfAbsent(
                            instruction + "|" + dims,
                            k -> InProcessEmbeddingModel.open(options(fixture, instruction, dims)));
                    Embedding e = m.embed(List.of(input)).embeddings().get(0);
                    float[] expected = Fixtures.vector(c.get(dims == null ? "embedding" : "embedding_" + dims));
                    assertThat(e.vector()).hasSize(expected.length);
                    assertThat(Vectors.cosine(e.vector(), expected))
                            .as("%s %s dims=%s", fixture, c.get("text").asText(), dims)
                            .isGreaterThanOrEqualTo(0.99999);
                    assertThat(e.tokens()).isEqualTo(c.get("input_ids").size());
                }
            }
        } finally {
            models.values().forEach(InProcessEmbeddingModel::close);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.BF16, Fixtures.F32_SHARDED})
    void float16ComputeStaysCloseToTheGoldenVectors(String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        double worst = 1;
        try (InProcessEmbeddingModel m =
                InProcessEmbeddingModel.open(options(fixture, null, null).withPrecision(Precision.FP16))) {
            try (InProcessEmbeddingModel f32 = InProcessEmbeddingModel.open(options(fixture, null, null))) {
                assertThat(m.info().fingerprint()).isNotEqualTo(f32.info().fingerprint());
            }
            for (JsonNode c : golden.get("cases")) {
                EmbeddingInput input = new EmbeddingInput(
                        c.get("text").asText(), Role.parse(c.get("kind").asText()));
                float[] v = m.embed(List.of(input)).embeddings().get(0).vector();
                worst = Math.min(worst, Vectors.cosine(v, Fixtures.vector(c.get("embedding"))));
            }
        }
        System.out.printf("%s float16: worst cosine to the golden vectors %.6f%n", fixture, worst);
        // The README's figures: 1.000000 (BF16 fixture) and 0.999999 (F32 fixture), to six decimals.
        assertThat(worst).isGreaterThanOrEqualTo(fixture.equals(Fixtures.BF16) ? 0.9999995 : 0.9999985);
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.BF16, Fixtures.F32_SHARDED})
    void int8ComputeStaysWithinItsGoldenBound(String fixture) {
        // Qwen3's layers have no biases: the unbiased int8 path, with grouped-query attention (BF16 fixture) and one
        // KV head (F32 fixture).
        JsonNode golden = Fixtures.golden(fixture);
        double worst = 1;
        double sum = 0;
        int n = 0;
        try (InProcessEmbeddingModel m =
                InProcessEmbeddingModel.open(options(fixture, null, null).withPrecision(Precision.INT8))) {
            assertThat(m.info().precision()).isEqualTo("int8");
            for (JsonNode c : golden.get("cases")) {
                EmbeddingInput input = new EmbeddingInput(
                        c.get("text").asText(), Role.parse(c.get("kind").asText()));
                float[] v = m.embed(List.of(input)).embeddings().get(0).vector();
                double cos = Vectors.cosine(v, Fixtures.vector(c.get("embedding")));
                worst = Math.min(worst, cos);
                sum += cos;
                n++;
            }
        }
        System.out.printf("%s int8: worst cosine to the golden vectors %.6f, mean %.6f%n", fixture, worst, sum / n);
        assertThat(worst).isGreaterThanOrEqualTo(dev.flinkembed.runtime.golden.GoldenVectors.minCosine("int8"));
        assertThat(worst).isLessThan(0.99999); // quantized, not the float32 layers
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.BF16, Fixtures.F32_SHARDED})
    void onePaddedBatchOfAllCasesGivesTheSameVectorsAsEachCaseAlone(String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        // The default instruction is the one every query case of the fixtures uses; fixed-size batching in input
        // order puts all cases, of very different lengths, into one padded forward pass.
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(options(fixture, null, null)
                .withBatching(
                        dev.flinkembed.runtime.batching.BatchPlanner.Strategy.FIXED_SIZE, Integer.MAX_VALUE, 64))) {
            List<EmbeddingInput> inputs = new ArrayList<>();
            for (JsonNode c : golden.get("cases")) {
                inputs.add(new EmbeddingInput(
                        c.get("text").asText(), Role.parse(c.get("kind").asText())));
            }
            EmbeddingResult batch =
                    m.embedPrepared(inputs.stream().map(m::prepare).toList());
            assertThat(batch.stats().forwardPasses()).isEqualTo(1);
            assertThat(batch.stats().paddedTokens()).isPositive();
            for (int i = 0; i < inputs.size(); i++) {
                float[] alone =
                        m.embed(List.of(inputs.get(i))).embeddings().get(0).vector();
                assertThat(Vectors.cosine(batch.embeddings().get(i).vector(), alone))
                        .isGreaterThanOrEqualTo(0.99999);
                assertThat(Vectors.cosine(
                                batch.embeddings().get(i).vector(),
                                Fixtures.vector(golden.get("cases").get(i).get("embedding"))))
                        .isGreaterThanOrEqualTo(0.99999);
            }
        }
    }
}
