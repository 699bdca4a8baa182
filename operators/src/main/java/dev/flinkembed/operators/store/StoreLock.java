package dev.flinkembed.operators.store;

/** A store's reindex lock as a run holds it: renewed in the background until {@link #close}. */
public interface StoreLock extends AutoCloseable {

    /** Another run holds the lock (the command exits 4 with this message). */
    final class HeldException extends RuntimeException {
        public HeldException(String message) {
            super(message);
        }
    }

    /** Runs {@code action} (once) when the lock is lost; at once if it already is. */
    void onLost(Runnable action);

    /** Renews now: afterwards {@link #lost()} says whether the lock is still this run's. */
    void verify();

    /** What the run's writers check: they write only while the lock is this run's. */
    WriteFence fence();

    /** Whether this run no longer holds the lock (taken over, or not renewed within the lease). */
    boolean lost();

    /** Why the lock was lost, or null. */
    String lostReason();

    @Override
    void close();
}
