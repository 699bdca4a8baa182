package dev.flinkembed.runtime.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.runtime.InProcessScoringModel;
import dev.flinkembed.runtime.api.Score;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.qwen3.Fixtures;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import dev.flinkembed.runtime.weights.SafetensorsCheckpoint;
import dev.flinkembed.runtime.weights.SafetensorsWriter;
import dev.flinkembed.runtime.weights.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process rerankers against golden scores from an independent float64 reference with its own tokenizers
 * ({@code src/test/python/rerank_fixtures.py}, numpy only): the token ids must be the reference's, id for id (the
 * Qwen3-Reranker model card's template), and the scores within float32 rounding of the reference's.
 */
class RerankerGoldenParityTest {

    static final String QWEN3 = "qwen3-reranker-tiny";
    static final String BERT = "bert-cross-encoder-tiny";
    /** float32 forward pass vs float64 reference, scores in [0, 1]. */
    static final double TOLERANCE = 2e-5;

    @Test
    void qwen3RerankerReadsTheModelCardsTemplateIdForId() {
        JsonNode golden = Fixtures.golden(QWEN3);
        // The model card's strings, as the reference wrote them into every formatted case.
        String formatted = golden.get("cases").get(0).get("formatted").asText();
        assertThat(formatted).startsWith(ChatTemplatePairs.PREFIX).endsWith(ChatTemplatePairs.SUFFIX);
        // <|im_end|> \n <|im_start|> assistant \n <think> \n\n </think> \n\n
        assertThat(Fixtures.ids(golden.get("suffix_ids")))
                .containsExactly(151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271);
        try (InProcessScoringModel model = InProcessScoringModel.open(options(QWEN3, null))) {
            for (JsonNode c : golden.get("cases")) {
                if (!c.get("max_tokens").isNull()) {
                    continue;
                }
                TokenIds ids =
                        model.encode(c.get("query").asText(), c.get("document").asText());
                String instruction = c.get("instruction").isNull()
                        ? null
                        : c.get("instruction").asText();
                if (instruction == null) {
                    assertThat(ids.ids()).as(c.get("query").asText()).containsExactly(Fixtures.ids(c.get("input_ids")));
                }
            }
        }
    }

    @Test
    void qwen3RerankerScoresEqualTheReference() {
        double worst = worstDelta(QWEN3, "score", null);
        System.out.printf("qwen3-reranker-tiny (untied lm_head, BF16): worst |score - golden| %.2e%n", worst);
        assertThat(worst).isLessThan(TOLERANCE);
    }

    @Test
    void tiedCheckpointsScoreWithTheTokenEmbeddings(@TempDir Path dir) throws Exception {
        Path source = Fixtures.folder(QWEN3);
        Path tied = dir.resolve(QWEN3 + "-tied");
        Files.createDirectories(tied);
        Files.copy(source.resolve("tokenizer.json"), tied.resolve("tokenizer.json"));
        ObjectNode config = (ObjectNode)
                new ObjectMapper().readTree(source.resolve("config.json").toFile());
        config.put("tie_word_embeddings", true);
        Files.writeString(tied.resolve("config.json"), config.toString());
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(source);
        Map<String, Tensor> kept = new LinkedHashMap<>();
        for (String name : weights.names()) {
            if (!name.equals("lm_head.weight")) {
                kept.put(name, weights.get(name));
            }
        }
        SafetensorsWriter.write(tied.resolve("model.safetensors"), kept, "BF16");
        double worst = worstDelta(tied.toString(), "score_tied", Fixtures.golden(QWEN3));
        System.out.printf("qwen3-reranker-tiny tied: worst |score - golden| %.2e%n", worst);
        assertThat(worst).isLessThan(TOLERANCE);
    }

    @Test
    void bertCrossEncoderReadsThePairAndScoresAsTheReference() {
        JsonNode golden = Fixtures.golden(BERT);
        try (InProcessScoringModel model = InProcessScoringModel.open(options(BERT, null))) {
            for (JsonNode c : golden.get("cases")) {
                TokenIds ids =
                        model.encode(c.get("query").asText(), c.get("document").asText());
                assertThat(ids.ids()).as(c.get("query").asText()).containsExactly(Fixtures.ids(c.get("input_ids")));
                assertThat(ids.typeIds()).containsExactly(Fixtures.ids(c.get("token_type_ids")));
            }
        }
        double worst = worstDelta(BERT, "score", null);
        System.out.printf("bert-cross-encoder-tiny: worst |score - golden| %.2e%n", worst);
        assertThat(worst).isLessThan(TOLERANCE);
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> InProcessScoringModel.open(options(BERT, "Judge relevance")))
                .hasMessageContaining("takes no instruction");
        assertThatThrownBy(() -> InProcessScoringModel.open(ModelOptions.defaults("builtin:all-minilm-l6-v2")))
                .hasMessageContaining("is an embedding model");
    }

    /** Every case scored one by one and all together in padded batches: both within the tolerance. */
    private static double worstDelta(String name, String field, JsonNode goldenOverride) {
        Path folder = name.startsWith("/") ? Path.of(name) : Fixtures.folder(name);
        JsonNode golden = goldenOverride != null ? goldenOverride : Fixtures.golden(name);
        double worst = 0;
        Map<Integer, List<JsonNode>> byLimit = new LinkedHashMap<>();
        for (JsonNode c : golden.get("cases")) {
            byLimit.computeIfAbsent(
                            c.path("max_tokens").isNumber()
                                    ? c.get("max_tokens").asInt()
                                    : -1,
                            k -> new ArrayList<>())
                    .add(c);
        }
        for (Map.Entry<Integer, List<JsonNode>> group : byLimit.entrySet()) {
            Integer limit = group.getKey() < 0 ? null : group.getKey();
            try (InProcessScoringModel model = InProcessScoringModel.open(
                    ModelOptions.builder(folder.toString()).maxTokens(limit).build())) {
                List<TokenIds> all = new ArrayList<>();
                for (JsonNode c : group.getValue()) {
                    TokenIds ids = model.encode(
                            c.get("query").asText(), c.get("document").asText());
                    if (c.has("instruction") && !c.get("instruction").isNull()) {
                        ids = new ChatTemplatePairs(model.tokenizer())
                                .encode(
                                        c.get("instruction").asText(),
                                        c.get("query").asText(),
                                        c.get("document").asText());
                    }
                    assertThat(ids.ids()).containsExactly(Fixtures.ids(c.get("input_ids")));
                    double alone = model.scorePairs(List.of(ids)).get(0).score();
                    worst = Math.max(worst, Math.abs(alone - c.get(field).asDouble()));
                    all.add(ids);
                }
                List<Score> batched = model.scorePairs(all);
                for (int i = 0; i < all.size(); i++) {
                    worst = Math.max(
                            worst,
                            Math.abs(batched.get(i).score()
                                    - group.getValue().get(i).get(field).asDouble()));
                }
            }
        }
        return worst;
    }

    private static ModelOptions options(String fixture, String instruction) {
        return ModelOptions.builder(Fixtures.folder(fixture).toString())
                .instruction(instruction)
                .build();
    }
}
