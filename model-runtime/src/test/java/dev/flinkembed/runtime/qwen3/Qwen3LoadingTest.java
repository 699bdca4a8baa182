package dev.flinkembed.runtime.qwen3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.MemoryCheck;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qwen3LoadingTest {

    @TempDir
    Path dir;

    @Test
    void longInputsAreTruncatedAtTheConfiguredLimitKeepingTheFinalEndOfText() {
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(
                ModelOptions.defaults(Fixtures.folder(Fixtures.BF16).toString()))) {
            assertThat(m.info().maxTokens()).isEqualTo(8192);
            assertThat(m.info().pooling()).isEqualTo("last-token");
            TokenIds ids = m.tokenizer().encode("flink embed ".repeat(6000));
            assertThat(ids.length()).isEqualTo(8192);
            assertThat(ids.ids()[8191]).isEqualTo(151643);
            assertThat(ids.truncated()).isTrue();
        }
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(
                ModelOptions.defaults(Fixtures.folder(Fixtures.BF16).toString()).withMaxTokens(64))) {
            TokenIds ids = m.tokenizer().encode("flink embed ".repeat(100));
            assertThat(ids.length()).isEqualTo(64);
            assertThat(ids.ids()[63]).isEqualTo(151643);
        }
    }

    @Test
    void aTokenizerWithoutTheEndOfTextTemplateGetsTheTokenAppendedByUs() throws Exception {
        Path folder = copyFixture(Fixtures.F32_SHARDED);
        ObjectMapper json = new ObjectMapper();
        ObjectNode tokenizer =
                (ObjectNode) json.readTree(folder.resolve("tokenizer.json").toFile());
        tokenizer.putNull("post_processor"); // as in older downloads: no TemplateProcessing
        json.writeValue(folder.resolve("tokenizer.json").toFile(), tokenizer);
        JsonNode golden = Fixtures.golden(Fixtures.F32_SHARDED);
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(
                ModelOptions.defaults(folder.toString()).withMaxTokens(1024))) {
            for (JsonNode c : golden.get("cases")) {
                if (c.get("kind").asText().equals("document")) {
                    assertThat(m.tokenizer().encode(c.get("formatted").asText()).ids())
                            .containsExactly(Fixtures.ids(c.get("input_ids")));
                    float[] v = m.embed(List.of(
                                    EmbeddingInput.document(c.get("text").asText())))
                            .embeddings()
                            .get(0)
                            .vector();
                    assertThat(Vectors.cosine(v, Fixtures.vector(c.get("embedding"))))
                            .isGreaterThanOrEqualTo(0.99999);
                }
            }
            TokenIds longIds = m.tokenizer().encode("word ".repeat(2000));
            assertThat(longIds.length()).isEqualTo(1024);
            assertThat(longIds.ids()[1023]).isEqualTo(151643);
        }
    }

    @Test
    void aModelTooLargeForTheAvailableMemoryFailsBeforeLoading() {
        System.setProperty(MemoryCheck.AVAILABLE_PROPERTY, "1000000");
        try {
            assertThatThrownBy(() -> InProcessEmbeddingModel.open(
                            ModelOptions.defaults(Fixtures.folder(Fixtures.BF16).toString())
                                    .withMaxTokens(77)))
                    .hasMessageContaining("needs")
                    .hasMessageContaining("GB for its weights in fp32")
                    .hasMessageContaining("model.precision=fp16 or int8")
                    .hasMessageContaining("available");
        } finally {
            System.clearProperty(MemoryCheck.AVAILABLE_PROPERTY);
        }
    }

    @Test
    void instructionsAreRejectedForModelsWithoutThemAndChangeTheFingerprint() {
        assertThatThrownBy(() -> InProcessEmbeddingModel.open(
                        ModelOptions.defaults(ModelOptions.DEFAULT_MODEL).withInstruction("x")))
                .hasMessageContaining("takes no instruction");
        String folder = Fixtures.folder(Fixtures.BF16).toString();
        try (InProcessEmbeddingModel a = InProcessEmbeddingModel.open(ModelOptions.defaults(folder));
                InProcessEmbeddingModel b = InProcessEmbeddingModel.open(
                        ModelOptions.defaults(folder).withInstruction("Retrieve Debian packages for the query"))) {
            assertThat(a.info().fingerprint()).isNotEqualTo(b.info().fingerprint());
            float[] qa = a.embed(List.of(EmbeddingInput.query("editor")))
                    .embeddings()
                    .get(0)
                    .vector();
            float[] qb = b.embed(List.of(EmbeddingInput.query("editor")))
                    .embeddings()
                    .get(0)
                    .vector();
            float[] da = a.embed(List.of(EmbeddingInput.document("editor")))
                    .embeddings()
                    .get(0)
                    .vector();
            float[] db = b.embed(List.of(EmbeddingInput.document("editor")))
                    .embeddings()
                    .get(0)
                    .vector();
            assertThat(Vectors.cosine(qa, qb)).isLessThan(0.9999);
            assertThat(Vectors.cosine(da, db)).isGreaterThan(0.999999); // documents carry no instruction
        }
    }

    private Path copyFixture(String name) throws Exception {
        Path target = Files.createDirectories(dir.resolve(name));
        try (var files = Files.list(Fixtures.folder(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }
}
