package dev.flinkembed.runtime.loading;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy of each model's weights per JVM (per Flink TaskManager), however many slots use it: reference-counted,
 * loaded by the first {@link #acquire} and freed by the last {@link Lease#close}.
 */
public final class SharedModels {

    private static final Logger LOG = LoggerFactory.getLogger(SharedModels.class);

    private static final class Entry {
        LoadedModel model;
        int references;
    }

    private static final Map<String, Entry> ENTRIES = new HashMap<>();
    private static final Map<String, Integer> LOADS = new HashMap<>();

    private SharedModels() {
    }

    /** A reference to a shared model; close it exactly once. */
    public static final class Lease implements AutoCloseable {
        private final String key;
        private final LoadedModel model;
        private boolean closed;

        private Lease(String key, LoadedModel model) {
            this.key = key;
            this.model = model;
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
                Entry e = ENTRIES.get(key);
                if (e != null && --e.references == 0) {
                    ENTRIES.remove(key);
                    LOG.info("Releasing model {} (last user gone)", key);
                    e.model.close();
                }
            }
        }
    }

    /**
     * Returns a lease on the model under {@code key}, loading it with {@code loader} if no one holds it. Loading runs
     * under the lock, so concurrent slots wait for one load instead of loading twice.
     */
    public static synchronized Lease acquire(String key, Supplier<LoadedModel> loader) {
        Entry e = ENTRIES.get(key);
        if (e == null) {
            e = new Entry();
            long start = System.nanoTime();
            e.model = loader.get();
            LOADS.merge(key, 1, Integer::sum);
            LOG.info("Loaded model {} in {} ms ({} MB of weights)", key, (System.nanoTime() - start) / 1_000_000,
                    e.model.encoder().weightBytes() >> 20);
            ENTRIES.put(key, e);
        }
        e.references++;
        return new Lease(key, e.model);
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
