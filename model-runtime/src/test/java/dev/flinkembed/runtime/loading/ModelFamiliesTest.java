package dev.flinkembed.runtime.loading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every architecture dependence goes through one registry of families, by model_type and task. */
class ModelFamiliesTest {

    @Test
    void theFamiliesAreFoundByModelTypeAndTask() {
        assertThat(ModelFamilies.find("bert", ModelTask.EMBED)).get().isInstanceOf(BertFamily.class);
        assertThat(ModelFamilies.find("qwen3", ModelTask.EMBED)).get().isInstanceOf(Qwen3Family.class);
        assertThat(ModelFamilies.find("qwen3", ModelTask.SCORE)).get().isInstanceOf(Qwen3RerankerFamily.class);
        assertThat(ModelFamilies.find("bert", ModelTask.SCORE)).get().isInstanceOf(BertCrossEncoderFamily.class);
    }

    @Test
    void anUnsupportedArchitectureIsNamedWithTheSupportedOnes(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"t5\", \"hidden_size\": 8}");
        assertThatThrownBy(() -> ModelLoader.load(ModelOptions.defaults(dir.toString())))
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("model_type 't5' is not supported for embedding; supported: bert, qwen3");
        assertThatThrownBy(() -> ModelFootprint.estimate(ModelOptions.defaults(dir.toString())))
                .hasMessageContaining("model_type 't5' is not supported for embedding");
        assertThatThrownBy(() -> ModelLoader.loadScorer(ModelOptions.defaults(dir.toString())))
                .hasMessageContaining("model_type 't5' is not supported for scoring; supported: bert, qwen3");
    }

    @Test
    void anEmbeddingModelIsNotACrossEncoder() {
        // A BERT folder without a classifier (an embedding model) cannot score pairs, and says so.
        assertThatThrownBy(() -> ModelLoader.loadScorer(ModelOptions.defaults(bertWithoutClassifier())))
                .hasMessageContaining("no classifier.weight: not a cross-encoder");
    }

    @TempDir
    static Path scratch;

    /** The BERT cross-encoder fixture without its classifier: an embedding model's folder. */
    private static String bertWithoutClassifier() {
        try {
            Path source = dev.flinkembed.runtime.qwen3.Fixtures.folder("bert-cross-encoder-tiny");
            Path folder = Files.createDirectories(scratch.resolve("bert-embedding"));
            Files.copy(source.resolve("config.json"), folder.resolve("config.json"));
            Files.copy(source.resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
            var weights = dev.flinkembed.runtime.weights.SafetensorsCheckpoint.open(source);
            java.util.Map<String, dev.flinkembed.runtime.weights.Tensor> kept = new java.util.LinkedHashMap<>();
            for (String name : weights.names()) {
                if (!name.startsWith("classifier.")) {
                    kept.put(name, weights.get(name));
                }
            }
            dev.flinkembed.runtime.weights.SafetensorsWriter.write(folder.resolve("model.safetensors"), kept, "F32");
            return folder.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
