package dev.flinkembed.runtime.remote;

import java.util.function.LongSupplier;

/**
 * How many requests a client keeps in flight, adapted to the server (AIMD, as TCP and Netflix's concurrency-limits):
 * +1 per window of healthy responses (latency within twice the best seen), halved on 429/503 or when latency climbs
 * past that, never below 1 nor above the configured ceiling. {@link #acquire} blocks while the limit is reached.
 */
public final class AdaptiveConcurrency {

    /** The requests already in flight when a server pushes back all report it: one decrease per this window. */
    static final long BURST_NANOS = 100_000_000L;

    private final int max;
    private final LongSupplier clock;
    private double limit;
    private int inFlight;
    private long bestLatencyNanos = Long.MAX_VALUE;
    private long lastDecreaseNanos;

    public AdaptiveConcurrency(int initial, int max) {
        this(initial, max, System::nanoTime);
    }

    /** With {@code clock} (nanoseconds) deciding what is one burst: tests step it instead of sleeping. */
    AdaptiveConcurrency(int initial, int max, LongSupplier clock) {
        this.max = max;
        this.limit = Math.min(initial, max);
        this.clock = clock;
        this.lastDecreaseNanos = clock.getAsLong() - BURST_NANOS - 1;
    }

    public synchronized void acquire() throws InterruptedException {
        while (inFlight >= (int) limit) {
            wait();
        }
        inFlight++;
    }

    /** A response that says nothing about load (e.g. the server refused one input). */
    public synchronized void release() {
        inFlight--;
        notifyAll();
    }

    public synchronized void onSuccess(long latencyNanos) {
        bestLatencyNanos = Math.min(bestLatencyNanos, latencyNanos);
        if (latencyNanos > 2 * bestLatencyNanos + 50_000_000L) {
            decrease(0.9); // queueing at the server: back off gently
        } else if (limit < max) {
            limit = Math.min(max, limit + 1.0 / limit);
        }
        release();
    }

    public synchronized void onOverload() {
        decrease(0.5);
        release();
    }

    private void decrease(double factor) {
        long now = clock.getAsLong();
        if (now - lastDecreaseNanos > BURST_NANOS) {
            limit = Math.max(1, limit * factor);
            lastDecreaseNanos = now;
        }
    }

    public synchronized double limit() {
        return limit;
    }

    public synchronized int inFlight() {
        return inFlight;
    }
}
