package dev.flinkembed.runtime.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCheckpointTest {

    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put(
                "a.weight",
                SafetensorsWriter.tensor("a.weight", new long[] {2, 3}, 1f, -2f, 0.5f, 3.25f, -0.125f, 1024f));
        m.put("b.bias", SafetensorsWriter.tensor("b.bias", new long[] {2}, 0.75f, -1.5f));
        return m;
    }

    @Test
    void readsF32F16AndBf16AsFloat32() throws Exception {
        for (String dtype : new String[] {"F32", "F16", "BF16"}) {
            Path folder = Files.createDirectories(dir.resolve(dtype));
            SafetensorsWriter.write(folder.resolve("model.safetensors"), sample(), dtype);
            SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(folder);
            assertThat(ckpt.names()).containsExactlyInAnyOrder("a.weight", "b.bias");
            assertThat(ckpt.dtype("a.weight")).isEqualTo(dtype);
            Tensor a = ckpt.get("a.weight");
            assertThat(a.shape()).containsExactly(2, 3);
            // Every sample value is exactly representable in all three formats.
            assertThat(a.toFloatArray()).containsExactly(1f, -2f, 0.5f, 3.25f, -0.125f, 1024f);
            assertThat(ckpt.get("b.bias").toFloatArray()).containsExactly(0.75f, -1.5f);
        }
    }

    @Test
    void readsShardsThroughTheIndex() throws Exception {
        Map<String, Tensor> all = sample();
        SafetensorsWriter.write(
                dir.resolve("model-00001-of-00002.safetensors"), Map.of("a.weight", all.get("a.weight")), "F32");
        SafetensorsWriter.write(
                dir.resolve("model-00002-of-00002.safetensors"), Map.of("b.bias", all.get("b.bias")), "BF16");
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 28}, "weight_map": {
                  "a.weight": "model-00001-of-00002.safetensors",
                  "b.bias": "model-00002-of-00002.safetensors"}}""");
        SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir);
        assertThat(ckpt.get("a.weight").toFloatArray()).containsExactly(1f, -2f, 0.5f, 3.25f, -0.125f, 1024f);
        assertThat(ckpt.get("b.bias").toFloatArray()).containsExactly(0.75f, -1.5f);
        assertThat(ckpt.dtype("b.bias")).isEqualTo("BF16");
    }

    @Test
    void aMissingShardIsNamed() throws Exception {
        Files.writeString(
                dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"a.weight\": \"model-00001-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
                .hasMessageContaining("model-00001-of-00002.safetensors")
                .hasMessageContaining("does not exist");
    }

    @Test
    void aFolderWithoutWeightsSaysWhatIsExpected() {
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("model.safetensors.index.json");
    }

    @Test
    void inconsistentOffsetsAreRejectedNamingTheTensor() throws Exception {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, sample(), "F32");
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("\"shape\":[2,3]", "\"shape\":[3,3]");
        Files.write(file, text.getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir))
                .hasMessageContaining("a.weight")
                .hasMessageContaining("inconsistent");
    }

    @Test
    void unsupportedDtypesAreNamed() throws Exception {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, sample(), "F32");
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
                .replaceFirst("\"dtype\":\"F32\"", "\"dtype\":\"I64\"");
        Files.write(file, text.getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).hasMessageContaining("I64");
    }
}
