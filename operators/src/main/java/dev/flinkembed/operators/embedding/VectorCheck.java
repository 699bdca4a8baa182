package dev.flinkembed.operators.embedding;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every vector is checked before it leaves the embedding stage: the model's dimension, finite numbers, not all zero.
 * A remote server under fp16 overflow answers NaN; a misconfigured one answers another model's dimension; neither may
 * reach an index (pgvector refuses NaN, and a vector of the wrong length breaks a whole batch). What fails goes to the
 * dead letters with the answer named, never a crash. Called from the backend's completion threads.
 */
final class VectorCheck {

    /** Dead-letter kind of a vector that failed the check. */
    static final String INVALID_VECTOR = "invalid-vector";

    private final String backend;
    /** 0 until the first good vector tells it (a remote server asked for no particular dimension). */
    private final AtomicInteger expected;

    VectorCheck(String backend, int expectedDimensions) {
        this.backend = backend;
        this.expected = new AtomicInteger(Math.max(0, expectedDimensions));
    }

    /** Null when {@code v} can be stored; otherwise what is wrong with it, naming the backend's answer. */
    String problem(float[] v) {
        if (v == null || v.length == 0) {
            return backend + " answered no vector";
        }
        int want = expected.get();
        if (want > 0 && v.length != want) {
            return backend + " answered a vector of " + v.length + " dimensions, expected " + want;
        }
        boolean allZero = true;
        for (int i = 0; i < v.length; i++) {
            float x = v[i];
            if (!Float.isFinite(x)) {
                return backend + " answered " + x + " at component " + i + " of " + v.length
                        + " (vectors must be finite)";
            }
            allZero &= x == 0f;
        }
        if (allZero) {
            return backend + " answered a vector of " + v.length + " zeros (no direction: cosine is undefined)";
        }
        expected.compareAndSet(0, v.length);
        return null;
    }
}
