package dev.flinkembed.runtime.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoldenVectorsTest {

    @TempDir
    Path dir;

    @Test
    void aModelMatchesItsOwnGoldenVectorsReadBackFromTheFile() throws Exception {
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            GoldenVectors golden = GoldenVectors.compute(model);
            assertThat(golden.probes()).hasSize(GoldenVectors.PROBES.size());
            Path file = dir.resolve("golden.json");
            golden.write(file);
            GoldenVectors read = GoldenVectors.read(file);
            assertThat(read.fingerprint()).isEqualTo(model.info().fingerprint());
            assertThat(read.check(model)).isGreaterThanOrEqualTo(0.99999);
        }
    }

    @Test
    void aProbeThatMovedFailsTheCheckNamingIt() throws Exception {
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            GoldenVectors golden = GoldenVectors.compute(model);
            List<GoldenVectors.Probe> probes = new ArrayList<>(golden.probes());
            float[] moved = probes.get(3).vector().clone();
            for (int i = 0; i < moved.length; i += 7) {
                moved[i] = -moved[i];
            }
            probes.set(
                    3,
                    new GoldenVectors.Probe(probes.get(3).text(), probes.get(3).role(), moved));
            GoldenVectors tampered = new GoldenVectors(
                    "tampered.json", golden.model(), golden.fingerprint(), golden.dimensions(), probes);
            assertThatThrownBy(() -> tampered.check(model))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not match its golden vectors (tampered.json)")
                    .hasMessageContaining("probe 3")
                    .hasMessageContaining("def fib");
        }
    }

    @Test
    void aFileThatIsNotGoldenVectorsIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("other.json"), "{\"hello\": 1}");
        assertThatThrownBy(() -> GoldenVectors.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("flink-embed golden");
    }
}
