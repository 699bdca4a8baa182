package dev.flinkembed.runtime.loading;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ModelFootprintTest {

    @Test
    void twoPassesAtATimeCountTheirActivationsTwiceAndPyTorchsBuffersOnce() {
        ModelFootprint one = ModelFootprint.estimate(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL));
        // all-MiniLM-L6-v2 at a token budget of 1,024 and 256 tokens: 4·(1024·(6·384 + 2·1536) + 2·12·1024·256)
        // bytes of activations (45 MB, conf/flink-cluster.yaml's "109 MB per slot" with PyTorch's 64 MB).
        long activations = 4L * (1024 * (6 * 384 + 2 * 1536) + 2L * 12 * 1024 * 256);
        assertThat(one.workingBytesPerInstance()).isEqualTo(activations + ModelFootprint.RUNTIME_OVERHEAD_BYTES);
        ModelFootprint two = one.forPasses(2);
        assertThat(two.workingBytesPerInstance()).isEqualTo(2 * activations + ModelFootprint.RUNTIME_OVERHEAD_BYTES);
        assertThat(two.workingBytesPerInstance() >> 20).isEqualTo(154);
        assertThat(two.weightBytes()).isEqualTo(one.weightBytes());
        assertThat(one.forPasses(1)).isEqualTo(one);
        assertThat(new ModelFootprint(0, 0).forPasses(2)).isEqualTo(new ModelFootprint(0, 0));
    }
}
