package dev.flinkembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.qwen3.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every forward pass frees what it allocated: after many calls the weights' manager holds only the weights. */
class NoLeakTest {

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "qwen3"})
    void manyForwardPassesLeaveNoArraysBehind(String which) {
        String model = which.equals("builtin")
                ? ModelOptions.DEFAULT_MODEL
                : Fixtures.folder(Fixtures.BF16).toString();
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelOptions.defaults(model))) {
            m.embed(List.of(EmbeddingInput.document("warm up")));
            int before = m.liveArrays();
            for (int round = 0; round < 25; round++) {
                List<EmbeddingInput> batch = new ArrayList<>();
                for (int i = 0; i <= round; i++) {
                    batch.add(
                            i % 2 == 0
                                    ? EmbeddingInput.document("text " + "x ".repeat(i * 7))
                                    : EmbeddingInput.query("query " + i));
                }
                m.embed(batch);
            }
            assertThat(m.liveArrays()).isEqualTo(before);
        }
    }
}
