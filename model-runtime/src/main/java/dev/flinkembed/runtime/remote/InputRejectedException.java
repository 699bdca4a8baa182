package dev.flinkembed.runtime.remote;

/** The server refused this one input (e.g. longer than its limit): a dead letter, not a job failure. */
public final class InputRejectedException extends RuntimeException {

    public InputRejectedException(String message) {
        super(message);
    }
}
