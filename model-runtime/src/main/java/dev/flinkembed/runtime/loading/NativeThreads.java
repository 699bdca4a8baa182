package dev.flinkembed.runtime.loading;

import ai.djl.pytorch.jni.JniUtils;
import dev.flinkembed.runtime.memory.LibC;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threading of PyTorch's CPU kernels, set once before DJL loads the engine.
 *
 * <p>PyTorch runs its kernels on an OpenMP (libgomp) team per calling thread. In a Flink TaskManager more than one
 * thread touches PyTorch (the task thread loads the weights, the micro-batcher runs the model), so libgomp sees more
 * threads than cores and switches to a "throttled" spin of a few hundred iterations: idle workers then sleep between
 * the hundreds of small parallel regions of a forward pass and every region pays a futex wake-up. Measured on 2
 * cores: the bulk job's model time went from 55 s to 40 s for the same 2,000 documents with a longer spin.
 * {@code GOMP_SPINCOUNT} is read by libgomp when it loads, so it is set in the process environment (through JNA,
 * already on the class path with DJL) unless the user set it.
 */
public final class NativeThreads {

    private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);
    /** Spins before an idle OpenMP worker sleeps (about a few milliseconds). */
    static final String DEFAULT_SPIN_COUNT = "10000000";

    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    private static boolean configured;
    private static boolean budgetLogged;

    private NativeThreads() {}

    /** As Hadoop/YARN set MALLOC_ARENA_MAX for their containers. */
    static final int DEFAULT_ARENA_MAX = 4;

    /** Idempotent; call before the first NDManager is created. */
    public static synchronized void configure() {
        if (configured) {
            return;
        }
        configured = true;
        RuntimeClassLoader.run(NativeThreads::configureProcess);
    }

    private static void configureProcess() {
        if (System.getenv("GOMP_SPINCOUNT") == null && System.getenv("OMP_WAIT_POLICY") == null) {
            try {
                LibC.load().setenv("GOMP_SPINCOUNT", DEFAULT_SPIN_COUNT, 0);
            } catch (Throwable t) {
                LOG.warn(
                        "Could not set GOMP_SPINCOUNT ({}); set it in the environment for full CPU speed",
                        t.toString());
            }
        }
        // glibc gives every thread that allocates an arena of its own, up to 8 per core, and keeps them after the
        // thread
        // ends: in a TaskManager every job brings new task threads that tokenize and feed PyTorch, and resident memory
        // grew by tens of MB per job submitted until the cap (measured). Cap the arenas unless the user chose.
        if (System.getenv("MALLOC_ARENA_MAX") == null) {
            try {
                LibC.load().mallopt(LibC.M_ARENA_MAX, DEFAULT_ARENA_MAX);
            } catch (Throwable t) {
                LOG.debug("mallopt not available ({}): malloc arenas left as they are", t.toString());
            }
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1"); // inter-op parallelism is unused here
        }
    }

    /**
     * Runs {@code work} (loading weights, a one-off check) on a thread of its own that ends when the work is done, and
     * waits for it. libgomp gives every thread that runs a parallel region a team of worker threads that lives as long
     * as that thread, and once it manages more threads than there are cores it throttles its spin-wait, so the
     * workers sleep and are woken between the hundreds of small parallel regions of a forward pass. A model loaded on
     * the caller's thread (a Flink task thread, a command's main thread) and run on the micro-batcher's worker kept
     * two teams alive: the same 2,000 documents took 24.4 s instead of 21.0 s on 2 cores (measured). With this, only
     * the threads that run forward passes keep a team. The thread has the runtime's class loader as its context class
     * loader ({@link RuntimeClassLoader}); the caller waits even when interrupted (native work cannot be abandoned
     * halfway) and keeps its interrupt flag.
     */
    public static <T> T onOwnThread(String name, Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        result.complete(work.get());
                    } catch (Throwable t) {
                        result.completeExceptionally(t);
                    }
                },
                name);
        thread.setDaemon(true);
        thread.setContextClassLoader(NativeThreads.class.getClassLoader());
        thread.start();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Sets PyTorch's intra-op threads for this JVM, unless already set; only effective before the engine starts. */
    public static void setThreadsIfUnset(int threads) {
        if (System.getProperty(THREADS_PROPERTY) == null) {
            System.setProperty(THREADS_PROPERTY, Integer.toString(Math.max(1, threads)));
        }
    }

    /**
     * How a model instance uses its share of the cores: {@code workers} forward passes at once, each on
     * {@code threadsPerWorker} PyTorch threads.
     */
    public record Plan(int workers, int threadsPerWorker) {}

    private static final ThreadLocal<Integer> THREADS_ON_THIS_THREAD = new ThreadLocal<>();

    /**
     * Divides {@code cores} among a JVM's {@code slots} model instances, and each instance's share between two
     * forward passes at a time. One pass on all of a share's threads stalls whenever anything else (tokenization, the
     * Flink task threads, output, the JIT) takes one of its cores for a moment: the pass's other OpenMP threads spin at
     * the next barrier. On 2 cores the bulk job's model threads burnt 58 s of CPU for 194,291 tokens that a
     * command with nothing else running did in 40 s (measured). Two passes of half the threads each keep going
     * independently, and one pass's gaps (batch preparation, pooling) are the other's compute. PyTorch's threads are
     * one setting per process, read when the engine starts, so the TaskManager (not the client) decides it, once,
     * from its own cores and slots; a value the user set ({@code -Dai.djl.pytorch.num_threads}) wins and the workers
     * follow from it. Logs the decision the first time.
     */
    public static synchronized Plan plan(int cores, int slots) {
        String set = System.getProperty(THREADS_PROPERTY);
        Plan plan = divide(cores, slots, set == null ? null : Integer.parseInt(set.trim()));
        setThreadsIfUnset(plan.threadsPerWorker());
        if (!budgetLogged) {
            budgetLogged = true;
            LOG.info(
                    "Per model instance: {} forward pass(es) at a time on {} PyTorch thread(s) each ({}; {} cores, {} "
                            + "slots in this JVM)",
                    plan.workers(),
                    plan.threadsPerWorker(),
                    set != null ? "threads set by -D" + THREADS_PROPERTY : "cores / slots",
                    cores,
                    slots);
        }
        return plan;
    }

    /** A slot's share of the cores as up to two workers; {@code threads} fixes the threads per worker when not null. */
    static Plan divide(int cores, int slots, Integer threads) {
        int share = Math.max(1, cores / Math.max(1, slots));
        if (threads != null) {
            int perWorker = Math.max(1, threads);
            return new Plan(Math.max(1, Math.min(2, share / perWorker)), perWorker);
        }
        int workers = share >= 2 ? 2 : 1;
        return new Plan(workers, share / workers);
    }

    /**
     * Makes PyTorch run this thread's operations on {@code threads} threads. The setting is per thread for OpenMP
     * and MKL, so a model worker sets it when it starts; other threads keep theirs. It also becomes the default of
     * threads that have not run PyTorch yet, and pooled model workers keep it: every micro-batcher therefore states
     * its threads (the TaskManager's slots, {@code embed} and {@code serve} all through {@link #plan}). The engine
     * must be loaded.
     */
    public static void useThreadsOnThisThread(int threads) {
        Integer current = THREADS_ON_THIS_THREAD.get();
        if (current == null || current != threads) {
            JniUtils.setNumThreads(threads);
            THREADS_ON_THIS_THREAD.set(threads);
        }
    }
}
