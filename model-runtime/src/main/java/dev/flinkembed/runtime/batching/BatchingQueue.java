package dev.flinkembed.runtime.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one batching queue in front of every backend (the in-process model's {@link MicroBatcher}, the remote server's
 * {@link dev.flinkembed.runtime.remote.RemoteEmbedder}): callers add items with their token counts from any thread;
 * one consumer takes batches, each due when the waiting items reach {@code maxTokens} tokens or {@code maxItems} items,
 * or the oldest has waited {@code maxWait}. A batch holds at most {@code maxTokens} tokens and {@code maxItems} items,
 * and at least one item (a single item larger than the limit goes alone). After {@link #close}, adds are refused and
 * the consumer's {@link #take} returns an empty batch; what was waiting is handed back to fail.
 */
public final class BatchingQueue<T> {

    private record Entry<T>(T item, int tokens, long enqueuedNanos) {}

    private final long maxTokens;
    private final int maxItems;
    private final long maxWaitNanos;
    private final Object lock = new Object();
    private List<Entry<T>> waiting = new ArrayList<>();
    private long waitingTokens;
    private boolean closed;

    public BatchingQueue(long maxTokens, int maxItems, Duration maxWait) {
        this.maxTokens = Math.max(1, maxTokens);
        this.maxItems = Math.max(1, maxItems);
        this.maxWaitNanos = maxWait.toNanos();
    }

    /** Queues {@code item}; false when the queue is closed (the caller fails it). */
    public boolean add(T item, int tokens) {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            waiting.add(new Entry<>(item, tokens, System.nanoTime()));
            waitingTokens += tokens;
            if (waiting.size() == 1 || due()) {
                lock.notifyAll();
            }
            return true;
        }
    }

    private boolean due() {
        return waitingTokens >= maxTokens
                || waiting.size() >= maxItems
                || System.nanoTime() - waiting.get(0).enqueuedNanos >= maxWaitNanos;
    }

    /** Blocks until a batch is due and returns it, oldest first; an empty list once the queue is closed. */
    public List<T> take() throws InterruptedException {
        synchronized (lock) {
            while (!closed) {
                if (waiting.isEmpty()) {
                    lock.wait();
                    continue;
                }
                if (due()) {
                    return takeBatch();
                }
                long left = maxWaitNanos - (System.nanoTime() - waiting.get(0).enqueuedNanos);
                TimeUnit.NANOSECONDS.timedWait(lock, Math.max(left, 100_000));
            }
            return List.of();
        }
    }

    private List<T> takeBatch() {
        int count = 0;
        long tokens = 0;
        while (count < waiting.size()
                && count < maxItems
                && (count == 0 || tokens + waiting.get(count).tokens <= maxTokens)) {
            tokens += waiting.get(count).tokens;
            count++;
        }
        List<T> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(waiting.get(i).item);
        }
        waiting = count == waiting.size() ? new ArrayList<>() : new ArrayList<>(waiting.subList(count, waiting.size()));
        waitingTokens -= tokens;
        return batch;
    }

    /** Items waiting for a batch. */
    public int size() {
        synchronized (lock) {
            return waiting.size();
        }
    }

    /** Refuses further items, wakes the consumer, and returns what was still waiting (to be failed by the caller). */
    public List<T> close() {
        synchronized (lock) {
            closed = true;
            List<T> left = waiting.stream().map(Entry::item).toList();
            waiting = new ArrayList<>();
            waitingTokens = 0;
            lock.notifyAll();
            return left;
        }
    }
}
