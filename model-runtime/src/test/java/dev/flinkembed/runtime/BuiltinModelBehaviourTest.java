package dev.flinkembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.EmbeddingResult;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuiltinModelBehaviourTest {

    @Test
    void capitalIsCloserToCapitalQuestionThanToGravity() {
        EmbeddingResult r = SharedBuiltin.model()
                .embed(
                        List.of(
                                EmbeddingInput.document("The capital of China is Beijing."),
                                EmbeddingInput.query("What is the capital of China?"),
                                EmbeddingInput.document(
                                        "Gravity is a force that attracts two bodies towards each other. It gives "
                                                + "weight to physical objects and is responsible for the movement of planets around the sun.")));
        float[] capital = r.embeddings().get(0).vector();
        double toQuestion = Vectors.cosine(capital, r.embeddings().get(1).vector());
        double toGravity = Vectors.cosine(capital, r.embeddings().get(2).vector());
        assertThat(toQuestion).isGreaterThan(toGravity + 0.3);
    }

    @Test
    void vectorsAreUnitLengthOfTheModelDimension() {
        EmbeddingResult r = SharedBuiltin.model()
                .embed(TestTexts.varied().stream().map(EmbeddingInput::document).toList());
        for (var e : r.embeddings()) {
            assertThat(e.vector()).hasSize(384);
            assertThat(Vectors.norm(e.vector())).isCloseTo(1.0, within(1e-5));
        }
        assertThat(SharedBuiltin.model().info().dimensions()).isEqualTo(384);
        assertThat(SharedBuiltin.model().info().maxTokens()).isEqualTo(256);
    }

    @Test
    void aTextAloneAndInsideABatchOfLongerTextsGivesTheSameVector() {
        String shortText = "Debian is a free operating system.";
        float[] alone = SharedBuiltin.model()
                .embed(List.of(EmbeddingInput.document(shortText)))
                .embeddings()
                .get(0)
                .vector();
        List<EmbeddingInput> batch = new ArrayList<>();
        for (String t : TestTexts.varied()) {
            batch.add(EmbeddingInput.document(t));
        }
        batch.add(7, EmbeddingInput.document(shortText));
        EmbeddingResult r = SharedBuiltin.model().embed(batch);
        assertThat(r.stats().paddedTokens())
                .as("the batch really pads the short text")
                .isPositive();
        assertThat(Vectors.cosine(alone, r.embeddings().get(7).vector())).isGreaterThanOrEqualTo(0.99999);
    }

    @Test
    void tokenBudgetBatchingKeepsPaddingSmallOnVariedLengths() {
        List<EmbeddingInput> inputs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            inputs.add(EmbeddingInput.document("word ".repeat(1 + (i * 37) % 180)));
        }
        EmbeddingResult r = SharedBuiltin.model().embed(inputs);
        assertThat(r.stats().paddingRatio()).isLessThan(0.05);
        assertThat(r.stats().forwardPasses()).isGreaterThan(1);
    }

    @Test
    void matryoshkaDimensionsKeepThePrefixAndRenormalise() {
        try (InProcessEmbeddingModel small = InProcessEmbeddingModel.open(
                ModelOptions.defaults(ModelOptions.DEFAULT_MODEL).withDimensions(64))) {
            float[] full = SharedBuiltin.model()
                    .embed(List.of(EmbeddingInput.document("hello world")))
                    .embeddings()
                    .get(0)
                    .vector();
            float[] cut = small.embed(List.of(EmbeddingInput.document("hello world")))
                    .embeddings()
                    .get(0)
                    .vector();
            assertThat(cut).hasSize(64);
            assertThat(Vectors.norm(cut)).isCloseTo(1.0, within(1e-5));
            assertThat(Vectors.cosine(cut, Vectors.finish(full, 64, true))).isGreaterThan(0.999999);
            assertThat(small.info().fingerprint())
                    .isNotEqualTo(SharedBuiltin.model().info().fingerprint());
        }
    }

    @Test
    void dimensionsOutOfRangeAreRejectedWithTheAllowedRange() {
        assertThatThrownBy(() -> InProcessEmbeddingModel.open(
                        ModelOptions.defaults(ModelOptions.DEFAULT_MODEL).withDimensions(999)))
                .hasMessageContaining("dimensions 999")
                .hasMessageContaining("1..384");
    }

    @Test
    void unknownModelsFailWithTheListOfBuiltins() {
        assertThatThrownBy(() -> InProcessEmbeddingModel.open(ModelOptions.defaults("builtin:nope")))
                .hasMessageContaining("builtin:nope")
                .hasMessageContaining("builtin:all-minilm-l6-v2");
        assertThatThrownBy(() -> InProcessEmbeddingModel.open(ModelOptions.defaults("/no/such/folder")))
                .hasMessageContaining("/no/such/folder");
    }
}
