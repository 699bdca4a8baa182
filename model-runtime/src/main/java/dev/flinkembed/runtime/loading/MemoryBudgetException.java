package dev.flinkembed.runtime.loading;

/**
 * A model does not fit the native memory budget of its JVM (a TaskManager's task off-heap memory). A configuration
 * error: retrying cannot help, the message says which setting to raise and to what.
 */
public final class MemoryBudgetException extends IllegalArgumentException {
    public MemoryBudgetException(String message) {
        super(message);
    }
}
