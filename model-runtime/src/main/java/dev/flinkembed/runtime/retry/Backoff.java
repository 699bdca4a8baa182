package dev.flinkembed.runtime.retry;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The one retry delay of the project (remote server requests, pgvector writes): exponential, capped, with "equal
 * jitter" — the n-th retry (n ≥ 1) waits a uniform random time in [d/2, d], d = min(cap, base × 2^(n-1)) — so retries
 * of many slots spread out but never come back sooner than half the backoff.
 */
public final class Backoff {

    private Backoff() {}

    public static long delayMillis(long baseMillis, int retry, long capMillis) {
        long ceiling = Math.min(capMillis, Math.max(1, baseMillis) << Math.min(Math.max(retry - 1, 0), 20));
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }
}
