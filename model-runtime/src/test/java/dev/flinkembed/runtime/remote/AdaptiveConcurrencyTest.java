package dev.flinkembed.runtime.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
        AtomicLong now = new AtomicLong();
        AdaptiveConcurrency c = new AdaptiveConcurrency(8, 8, now::get);
        c.acquire();
        c.onOverload();
        assertThat(c.limit()).isEqualTo(4.0);
        for (int i = 0; i < 10; i++) {
            now.addAndGet(AdaptiveConcurrency.BURST_NANOS + 1); // the next burst
            c.acquire();
            c.onOverload();
        }
        assertThat(c.limit()).isEqualTo(1.0);
    }

    @Test
    void theRequestsOfOneBurstDecreaseTheLimitOnce() throws Exception {
        AtomicLong now = new AtomicLong(5_000_000_000L);
        AdaptiveConcurrency c = new AdaptiveConcurrency(8, 8, now::get);
        for (int i = 0; i < 4; i++) {
            c.acquire();
        }
        for (int i = 0; i < 4; i++) { // all four were in flight when the server pushed back
            now.addAndGet(AdaptiveConcurrency.BURST_NANOS / 8);
            c.onOverload();
        }
        assertThat(c.limit()).isEqualTo(4.0);
        now.addAndGet(AdaptiveConcurrency.BURST_NANOS);
        c.acquire();
        c.onOverload();
        assertThat(c.limit()).isEqualTo(2.0);
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
        AtomicReference<Thread> blocked = new AtomicReference<>();
        AtomicBoolean waiting = new AtomicBoolean();
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
            try {
                blocked.set(Thread.currentThread());
                waiting.set(true);
                c.acquire();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // blocked in acquire: its thread waits on the limiter's monitor (a condition, not a guess of how long)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!waiting.get() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        Thread t = blocked.get();
        while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(t.getState()).isEqualTo(Thread.State.WAITING);
        assertThat(second).isNotDone();
        c.release();
        second.get(5, TimeUnit.SECONDS);
        assertThat(c.inFlight()).isEqualTo(1);
    }
}
