package dev.flinkembed.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchingQueueTest {

    @Test
    void aBatchIsDueByTokensAndHoldsNoMoreThanTheLimit() throws Exception {
        BatchingQueue<String> q = new BatchingQueue<>(10, 100, Duration.ofHours(1));
        q.add("a", 4);
        q.add("b", 4);
        q.add("c", 4); // 12 ≥ 10: due
        assertThat(q.take()).containsExactly("a", "b");
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void aBatchIsDueByCountAndHoldsNoMoreItems() throws Exception {
        BatchingQueue<String> q = new BatchingQueue<>(1000, 2, Duration.ofHours(1));
        q.add("a", 1);
        q.add("b", 1);
        q.add("c", 1);
        assertThat(q.take()).containsExactly("a", "b");
    }

    @Test
    void aLoneItemGoesWhenTheOldestHasWaitedLongEnough() throws Exception {
        BatchingQueue<String> q = new BatchingQueue<>(1000, 100, Duration.ofMillis(50));
        long start = System.nanoTime();
        q.add("a", 1);
        assertThat(q.take()).containsExactly("a");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void anItemLargerThanTheLimitGoesAlone() throws Exception {
        BatchingQueue<String> q = new BatchingQueue<>(10, 100, Duration.ofHours(1));
        q.add("huge", 50);
        q.add("small", 1);
        assertThat(q.take()).containsExactly("huge");
    }

    @Test
    void closingHandsBackWhatWaitsWakesTheConsumerAndRefusesMore() throws Exception {
        BatchingQueue<String> q = new BatchingQueue<>(1000, 100, Duration.ofHours(1));
        CompletableFuture<List<String>> consumer = CompletableFuture.supplyAsync(() -> {
            try {
                return q.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        q.add("a", 1);
        assertThat(q.close()).containsExactly("a");
        assertThat(consumer.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(q.add("b", 1)).isFalse();
    }
}
