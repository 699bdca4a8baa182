package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.memory.LibC;
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

    private NativeThreads() {
    }

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
                LOG.warn("Could not set GOMP_SPINCOUNT ({}); set it in the environment for full CPU speed", t.toString());
            }
        }
        // glibc gives every thread that allocates an arena of its own, up to 8 per core, and keeps them after the thread
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

    /** Sets PyTorch's intra-op threads for this JVM, unless already set; only effective before the engine starts. */
    public static void setThreadsIfUnset(int threads) {
        if (System.getProperty(THREADS_PROPERTY) == null) {
            System.setProperty(THREADS_PROPERTY, Integer.toString(Math.max(1, threads)));
        }
    }

    /**
     * Gives each of a JVM's {@code slots} model instances its share of the {@code cores}: PyTorch's intra-op threads
     * are one setting per process, read when the engine starts, so the TaskManager (not the client) decides it, once,
     * from its own cores and slots; a value the user set ({@code -Dai.djl.pytorch.num_threads}) wins. Returns the
     * threads in effect; logs the decision the first time.
     */
    public static synchronized int budgetForSlots(int cores, int slots) {
        boolean userSet = System.getProperty(THREADS_PROPERTY) != null;
        int share = Math.max(1, cores / Math.max(1, slots));
        setThreadsIfUnset(share);
        int threads = Integer.parseInt(System.getProperty(THREADS_PROPERTY).trim());
        if (!budgetLogged) {
            budgetLogged = true;
            LOG.info("PyTorch intra-op threads per model instance: {} ({}; {} cores, {} slots in this JVM)", threads,
                    userSet ? "set by -D" + THREADS_PROPERTY : "cores / slots", cores, slots);
        }
        return threads;
    }
}
