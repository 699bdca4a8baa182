package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.memory.NativeMemory;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy of each model's weights per JVM (per Flink TaskManager), however many slots and jobs use it:
 * reference-counted, loaded by the first {@link #acquire} and freed by the last {@link Lease#close}.
 *
 * <p>On a Flink cluster this class lives in Flink's {@code lib/} (the parent class loader), so its state is shared by
 * every job on the TaskManager, and it keeps the account of the native memory the models take there: the weights
 * once, plus the working memory of every open instance, against the budget the caller names ({@link Budget}).
 */
public final class SharedModels {

    private static final Logger LOG = LoggerFactory.getLogger(SharedModels.class);

    /**
     * A native-memory budget, as the process that runs the models defines it: the setting that sets it, where it
     * applies ("this TaskManager") and what else helps, all named in the error when a model does not fit. The
     * runtime knows nothing of Flink; its caller does.
     */
    public record Budget(long bytes, String setting, String scope, String advice) {
        public static final Budget NONE = new Budget(-1, null, null, null);

        public boolean limited() {
            return bytes >= 0;
        }
    }

    private static final class Entry {
        LoadedModel model;
        long weightBytes;
        int references;
    }

    private static final Map<String, Entry> ENTRIES = new HashMap<>();
    private static final Map<String, Integer> LOADS = new HashMap<>();
    private static long workingBytes;

    private SharedModels() {}

    /** A reference to a shared model; close it exactly once. */
    public static final class Lease implements AutoCloseable {
        private final String key;
        private final LoadedModel model;
        private final long working;
        private boolean closed;

        private Lease(String key, LoadedModel model, long working) {
            this.key = key;
            this.model = model;
            this.working = working;
        }

        public LoadedModel model() {
            return model;
        }

        @Override
        public void close() {
            synchronized (SharedModels.class) {
                if (closed) {
                    return;
                }
                closed = true;
                workingBytes -= working;
                Entry e = ENTRIES.get(key);
                if (e != null && --e.references == 0) {
                    ENTRIES.remove(key);
                    LOG.info("Releasing model {} (last user gone)", key);
                    e.model.close();
                    NativeMemory.trimFreedMemory();
                }
            }
        }
    }

    /** As {@link #acquire(String, String, ModelFootprint, Budget, Supplier)} without a memory budget. */
    public static Lease acquire(String key, Supplier<LoadedModel> loader) {
        return acquire(key, key, new ModelFootprint(0, 0), Budget.NONE, loader);
    }

    /**
     * Returns a lease on the model under {@code key}, loading it with {@code loader} if no one holds it. Loading runs
     * under the lock, so concurrent slots wait for one load instead of loading twice. Before loading (and before
     * anything is read) the weights not yet resident and the new instance's working memory must fit {@code budget}
     * next to what the other models and instances of this JVM hold; otherwise a {@link MemoryBudgetException} names
     * the setting and the size it needs.
     */
    public static synchronized Lease acquire(
            String key, String model, ModelFootprint footprint, Budget budget, Supplier<LoadedModel> loader) {
        Entry e = ENTRIES.get(key);
        if (budget.limited()) {
            long resident =
                    ENTRIES.values().stream().mapToLong(x -> x.weightBytes).sum();
            long needed = resident
                    + (e == null ? footprint.weightBytes() : 0)
                    + workingBytes
                    + footprint.workingBytesPerInstance();
            if (needed > budget.bytes()) {
                throw new MemoryBudgetException(String.format(
                        "model %s needs %d MB of native memory in %s: %d MB of weights (once, shared by all "
                                + "slots and jobs) + %d MB working memory per slot, next to %d MB that other models and "
                                + "slots hold here; %s is %d MB: set it to at least %s%s",
                        model,
                        mb(needed),
                        budget.scope(),
                        mb(footprint.weightBytes()),
                        mb(footprint.workingBytesPerInstance()),
                        mb(needed - footprint.weightBytes() - footprint.workingBytesPerInstance()),
                        budget.setting(),
                        mb(budget.bytes()),
                        roundUpToFlinkSize(needed),
                        budget.advice()));
            }
        }
        if (e == null) {
            e = new Entry();
            long start = System.nanoTime();
            // On a thread that ends after loading, so that only the threads running forward passes keep a libgomp
            // team (see NativeThreads.onOwnThread).
            e.model = NativeThreads.onOwnThread("flink-embed-model-loader", loader);
            e.weightBytes = Math.max(footprint.weightBytes(), e.model.encoder().weightBytes());
            LOADS.merge(key, 1, Integer::sum);
            LOG.info(
                    "Loaded model {} in {} ms ({} MB of weights)",
                    key,
                    (System.nanoTime() - start) / 1_000_000,
                    e.model.encoder().weightBytes() >> 20);
            ENTRIES.put(key, e);
        }
        e.references++;
        workingBytes += footprint.workingBytesPerInstance();
        return new Lease(key, e.model, footprint.workingBytesPerInstance());
    }

    private static long mb(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    /** A Flink memory size at least {@code bytes}, rounded up to 64 MB. */
    static String roundUpToFlinkSize(long bytes) {
        long mb = ((mb(bytes) + 63) / 64) * 64;
        return mb % 1024 == 0 ? (mb / 1024) + "g" : mb + "m";
    }

    /** How many times the weights under {@code key} were loaded in this JVM (tests: weights are shared). */
    public static synchronized int loadCount(String key) {
        return LOADS.getOrDefault(key, 0);
    }

    /** Current users of the model under {@code key}. */
    public static synchronized int references(String key) {
        Entry e = ENTRIES.get(key);
        return e == null ? 0 : e.references;
    }
}
