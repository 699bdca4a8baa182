package dev.flinkembed.operators.embedding;

import dev.flinkembed.runtime.api.AsyncEmbedder;
import dev.flinkembed.runtime.api.BatchStats;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * Where one slot's vectors come from — the in-process model ({@link InProcessBackend}) or an OpenAI-compatible server
 * ({@link RemoteBackend}) — behind one interface, chosen once from the configuration by {@link #open}: the operator
 * never asks which. Both put a batching queue in front of their backend.
 */
public interface EmbeddingBackend extends AutoCloseable {

    /** Takes single inputs and batches them for the backend. */
    AsyncEmbedder embedder();

    /** The lineage name written next to the vectors. */
    String modelName();

    /** The lineage fingerprint written next to the vectors (what decides them). */
    String fingerprint();

    /** The length of every vector, or 0 when only the first answer tells (a remote server without dimensions set). */
    int dimensions();

    /** Fails what is still queued and releases the model, tokenizer and threads. */
    @Override
    void close();

    /**
     * @param operatorContext the operator's own runtime context (it knows the TaskManager: slots, memory budget)
     * @param listener        told of every batch (metrics)
     */
    static EmbeddingBackend open(
            EmbeddingOptions options,
            RuntimeContext operatorContext,
            Consumer<BatchStats> listener,
            String threadName) {
        return options.isRemote()
                ? RemoteBackend.open(options.model(), options.remote(), listener, threadName)
                : InProcessBackend.open(options, operatorContext, listener, threadName);
    }
}
