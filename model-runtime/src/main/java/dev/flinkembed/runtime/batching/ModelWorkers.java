package dev.flinkembed.runtime.batching;

import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run forward passes, one JVM-wide pool reused by every batcher of every job, instead of a new thread
 * per batcher. Native code keeps state per thread that outlives it: glibc gives each new thread that allocates a malloc
 * arena of its own (kept after the thread ends, up to 8 per core), oneDNN/MKL their scratch buffers. With a new thread
 * per job, a TaskManager's resident memory grew by ~40–170 MB with each job submitted (measured); reused threads keep
 * it flat. The threads never hold a job's context class loader (they outlive jobs).
 */
public final class ModelWorkers {

    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ThreadPoolExecutor POOL =
            new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.MINUTES, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "flink-embed-model-worker-" + COUNT.incrementAndGet());
                t.setDaemon(true);
                t.setContextClassLoader(ModelWorkers.class.getClassLoader());
                return t;
            });

    private ModelWorkers() {}

    /** Runs {@code loop} on a pooled worker named {@code name} while it runs; the future completes when it returns. */
    public static Future<?> start(String name, Runnable loop) {
        return POOL.submit(() -> {
            Thread current = Thread.currentThread();
            String pooledName = current.getName();
            current.setName(name);
            try {
                loop.run();
            } finally {
                current.setName(pooledName);
            }
        });
    }

    /** Worker threads alive now (tests). */
    public static int threads() {
        return POOL.getPoolSize();
    }
}
