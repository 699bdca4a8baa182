package dev.flinkembed.runtime.retry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesPerRetryWithinHalfToFullAndStopsAtTheCap() {
        for (int i = 0; i < 200; i++) {
            assertThat(Backoff.delayMillis(100, 1, 30_000)).isBetween(50L, 100L);
            assertThat(Backoff.delayMillis(100, 3, 30_000)).isBetween(200L, 400L);
            assertThat(Backoff.delayMillis(100, 40, 30_000)).isBetween(15_000L, 30_000L);
        }
    }
}
