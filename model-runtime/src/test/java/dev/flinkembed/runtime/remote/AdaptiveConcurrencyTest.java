package dev.flinkembed.runtime.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdaptiveConcurrencyTest {

    private static final long MS = 1_000_000L;

    @Test
    void healthyAnswersGrowTheLimitUpToTheCeiling() throws Exception {
        AdaptiveConcurrency c = new AdaptiveConcurrency(1, 4);
        for (int i = 0; i < 100; i++) {
            c.acquire();
            c.onSuccess(10 * MS);
        }
        assertThat(c.limit()).isEqualTo(4.0);
        assertThat(c.inFlight()).isZero();
    }

    @Test
    void overloadHalvesTheLimitButNeverBelowOne() throws Exception {
        AdaptiveConcurrency c = new AdaptiveConcurrency(8, 8);
        c.acquire();
        c.onOverload();
        assertThat(c.limit()).isEqualTo(4.0);
        for (int i = 0; i < 10; i++) {
            Thread.sleep(110); // one decrease per burst
            c.acquire();
            c.onOverload();
        }
        assertThat(c.limit()).isEqualTo(1.0);
    }

    @Test
    void risingLatencyBacksOffGently() throws Exception {
        AdaptiveConcurrency c = new AdaptiveConcurrency(8, 8);
        c.acquire();
        c.onSuccess(10 * MS);
        c.acquire();
        c.onSuccess(500 * MS); // far above twice the best
        assertThat(c.limit()).isCloseTo(7.2, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void acquireWaitsWhileTheLimitIsReached() throws Exception {
        AdaptiveConcurrency c = new AdaptiveConcurrency(1, 1);
        c.acquire();
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
            try {
                c.acquire();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(second).isNotDone();
        c.release();
        second.get(5, TimeUnit.SECONDS);
        assertThat(c.inFlight()).isEqualTo(1);
    }
}
