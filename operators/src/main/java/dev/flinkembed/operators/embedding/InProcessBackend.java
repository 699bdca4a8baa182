package dev.flinkembed.operators.embedding;

import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.AsyncEmbedder;
import dev.flinkembed.runtime.api.BatchStats;
import dev.flinkembed.runtime.batching.MicroBatcher;
import dev.flinkembed.runtime.loading.MemoryBudgetException;
import dev.flinkembed.runtime.loading.NativeThreads;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One slot's in-process model: PyTorch threads budgeted for the TaskManager's slots, the weights leased from the JVM's
 * shared copy (checked against the TaskManager's off-heap budget first), the model checked against its golden vectors
 * when configured, and a {@link MicroBatcher} in front.
 */
final class InProcessBackend implements EmbeddingBackend {

    private static final Logger LOG = LoggerFactory.getLogger(InProcessBackend.class);

    private final InProcessEmbeddingModel model;
    private final MicroBatcher embedder;

    private InProcessBackend(InProcessEmbeddingModel model, MicroBatcher embedder) {
        this.model = model;
        this.embedder = embedder;
    }

    static InProcessBackend open(
            EmbeddingOptions options,
            RuntimeContext operatorContext,
            Consumer<BatchStats> listener,
            String threadName) {
        TaskManagerResources tm = TaskManagerResources.of(operatorContext);
        NativeThreads.Plan threads = NativeThreads.plan(tm.cores(), tm.slots());
        InProcessEmbeddingModel model;
        try {
            model = InProcessEmbeddingModel.open(
                    ModelFolderCache.localize(options.model()), tm.nativeBudget(), threads.workers());
        } catch (MemoryBudgetException e) {
            // A configuration error: restarting the job cannot help, so fail it at once with the message.
            throw new SuppressRestartsException(e);
        }
        if (options.golden() != null) {
            checkGolden(options, model);
        }
        return new InProcessBackend(
                model,
                new MicroBatcher(
                        model,
                        options.flushTokens(),
                        options.capacity(), // all of the slot's chunks in flight are waiting: none can join
                        Duration.ofMillis(options.maxWaitMillis()),
                        listener,
                        threadName,
                        threads.workers(),
                        threads.threadsPerWorker()));
    }

    /** model.golden: the model must reproduce its golden vectors here, or the job fails before any data moves. */
    private static void checkGolden(EmbeddingOptions options, InProcessEmbeddingModel model) {
        try {
            // Forward passes off the task thread, which would otherwise keep a libgomp team of its own.
            double worst = NativeThreads.onOwnThread(
                    "flink-embed-golden-check", () -> options.golden().check(model));
            LOG.info(
                    "Model {} matches its golden vectors ({}): worst probe cosine {}",
                    model.info().name(),
                    options.golden().source(),
                    String.format("%.7f", worst));
        } catch (IllegalStateException e) {
            model.close();
            throw new SuppressRestartsException(e); // the same model fails the same way after a restart
        }
    }

    @Override
    public AsyncEmbedder embedder() {
        return embedder;
    }

    @Override
    public String modelName() {
        return model.info().name();
    }

    @Override
    public String fingerprint() {
        return model.info().fingerprint();
    }

    @Override
    public int dimensions() {
        return model.info().dimensions();
    }

    @Override
    public void close() {
        embedder.close();
        model.close();
    }
}
