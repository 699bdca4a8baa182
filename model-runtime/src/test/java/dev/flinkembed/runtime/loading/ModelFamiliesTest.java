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
        assertThat(ModelFamilies.find("qwen3", ModelTask.SCORE))
                .as("no reranker family yet")
                .isEmpty();
    }

    @Test
    void anUnsupportedArchitectureIsNamedWithTheSupportedOnes(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"t5\", \"hidden_size\": 8}");
        assertThatThrownBy(() -> ModelLoader.load(ModelOptions.defaults(dir.toString())))
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("model_type 't5' is not supported for embedding; supported: bert, qwen3");
        assertThatThrownBy(() -> ModelFootprint.estimate(ModelOptions.defaults(dir.toString())))
                .hasMessageContaining("model_type 't5' is not supported for embedding");
    }
}
