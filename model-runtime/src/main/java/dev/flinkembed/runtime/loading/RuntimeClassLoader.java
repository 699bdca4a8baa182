package dev.flinkembed.runtime.loading;

import java.util.function.Supplier;

/**
 * Runs native-library work with the model runtime's own class loader as the thread's context class loader. On a Flink
 * cluster the runtime lives in Flink's lib/ and outlives every job, but it is called from a job's threads, whose
 * context class loader is the job's. Threads that the JDK, JNA or DJL start during such a call (JNA's cleaner, for
 * one) inherit that loader and, living as long as the TaskManager, would keep the job's classes loaded after it ended.
 */
public final class RuntimeClassLoader {

    private RuntimeClassLoader() {}

    public static <T> T call(Supplier<T> work) {
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(RuntimeClassLoader.class.getClassLoader());
        try {
            return work.get();
        } finally {
            current.setContextClassLoader(previous);
        }
    }

    public static void run(Runnable work) {
        call(() -> {
            work.run();
            return null;
        });
    }
}
