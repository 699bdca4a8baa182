package dev.flinkembed.runtime.loading;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ModelFootprintTest {

    @Test
    void twoPassesAtATimeCountTheirActivationsTwiceAndPyTorchsBuffersOnce() {
        ModelFootprint one = ModelFootprint.estimate(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL));
        // all-MiniLM-L6-v2 at its default token budget of 2,048 (fused attention: no scores held):
        // 4·2048·(6·384 + 2·1536) bytes of activations (42 MB, conf/flink-cluster.yaml's "106 MB per slot" with
        // PyTorch's 64 MB).
        long activations = 4L * 2048 * (6 * 384 + 2 * 1536);
        assertThat(one.workingBytesPerInstance()).isEqualTo(activations + ModelFootprint.RUNTIME_OVERHEAD_BYTES);
        ModelFootprint two = one.forPasses(2);
        assertThat(two.workingBytesPerInstance()).isEqualTo(2 * activations + ModelFootprint.RUNTIME_OVERHEAD_BYTES);
        assertThat(two.workingBytesPerInstance() >> 20).isEqualTo(148);
        assertThat(two.weightBytes()).isEqualTo(one.weightBytes());
        assertThat(one.forPasses(1)).isEqualTo(one);
        assertThat(new ModelFootprint(0, 0).forPasses(2)).isEqualTo(new ModelFootprint(0, 0));
    }

    @Test
    void bertModelsDefaultToTheFusedAttentionBudgetAndQwen3KeepsItsOwn() {
        ModelOptions defaults = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        assertThat(defaults.tokenBudgetFor("bert")).isEqualTo(2048);
        assertThat(defaults.tokenBudgetFor("qwen3")).isEqualTo(1024);
        ModelOptions set = defaults.withBatching(defaults.batching(), 512, 64);
        assertThat(set.tokenBudgetFor("bert")).isEqualTo(512);
        assertThat(set.tokenBudgetFor("qwen3")).isEqualTo(512);
        // A budget set by the user counts in the estimate, and the scores count for Qwen3 only.
        assertThat(ModelFootprint.estimate(set).workingBytesPerInstance())
                .isEqualTo(4L * 512 * (6 * 384 + 2 * 1536) + ModelFootprint.RUNTIME_OVERHEAD_BYTES);
    }
}
