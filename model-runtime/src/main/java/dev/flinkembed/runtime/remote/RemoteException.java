package dev.flinkembed.runtime.remote;

/**
 * A failed request. {@code retryable}: worth sending again (429, 5xx, timeouts, dropped connections, unreadable
 * bodies); {@code inputRejected}: the server refused the input itself (400/413/422: too long, empty...; 424: TEI's
 * "Inference failed" for what it was given), which no retry can fix — the request is split until the one input is
 * found, and that record goes to the dead letters; otherwise a configuration problem (401, 403, 404) that fails the
 * job.
 */
public class RemoteException extends RuntimeException {

    private final int status;
    private final boolean retryable;
    private final long retryAfterMillis;

    public RemoteException(String message, int status, boolean retryable, long retryAfterMillis, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retryable = retryable;
        this.retryAfterMillis = retryAfterMillis;
    }

    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }

    public boolean inputRejected() {
        return status == 400 || status == 413 || status == 422 || status == 424;
    }

    /** The server's Retry-After in milliseconds, or -1. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    public boolean overload() {
        return status == 429 || status == 503;
    }
}
