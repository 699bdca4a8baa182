package dev.flinkembed.operators.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.streaming.api.functions.sink.filesystem.PartFileInfo;
import org.junit.jupiter.api.Test;

/** Part files roll at the size limit and on checkpoints, never on a timer (a bulk format cannot roll mid-row-group). */
class SizeOrCheckpointRollingPolicyTest {

    private record Part(long size) implements PartFileInfo<String> {
        public String getBucketId() {
            return "";
        }

        public long getCreationTime() {
            return 0;
        }

        public long getSize() {
            return size;
        }

        public long getLastUpdateTime() {
            return 0;
        }
    }

    @Test
    void rollsOnceThePartHoldsTheLimitAndOnEveryCheckpoint() throws Exception {
        SizeOrCheckpointRollingPolicy<Object, String> policy = new SizeOrCheckpointRollingPolicy<>(1000);
        assertThat(policy.shouldRollOnEvent(new Part(0), "x")).isFalse();
        assertThat(policy.shouldRollOnEvent(new Part(999), "x")).isFalse();
        assertThat(policy.shouldRollOnEvent(new Part(1000), "x")).isTrue();
        assertThat(policy.shouldRollOnCheckpoint(new Part(1))).isTrue();
        assertThat(policy.shouldRollOnProcessingTime(new Part(5000), Long.MAX_VALUE))
                .isFalse();
    }
}
