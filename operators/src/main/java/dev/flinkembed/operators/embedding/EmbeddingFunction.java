package dev.flinkembed.operators.embedding;

import dev.flinkembed.operators.metrics.EmbeddingMetrics;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.AsyncEmbedder;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.batching.MicroBatcher;
import dev.flinkembed.runtime.loading.MemoryBudgetException;
import dev.flinkembed.runtime.loading.NativeThreads;
import dev.flinkembed.runtime.remote.InputRejectedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * The async embedding operator's function: the slot's embedder is opened in {@link #open} and released in
 * {@link #close} — the in-process model behind a micro-batcher, or a client of a remote OpenAI-compatible server
 * ({@link RemoteBackend}). Each chunk's ResultFuture completes when its batch or request has run. Until then the
 * chunk stays in Flink's async queue, so a checkpoint keeps it and a restore replays it. A chunk the remote server
 * refuses (e.g. too long for it) comes out with {@code error} set, for the dead letters; other failures fail the job.
 */
public final class EmbeddingFunction extends RichAsyncFunction<Chunk, EmbeddedChunk> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddingFunction.class);

    private final EmbeddingOptions options;
    private transient InProcessEmbeddingModel model;
    private transient RemoteBackend remote;
    private transient AsyncEmbedder embedder;
    private transient String modelName;
    private transient String fingerprint;

    public EmbeddingFunction(EmbeddingOptions options) {
        this.options = options;
    }

    /** The operator's own context: {@link RichAsyncFunction} hands the function a wrapper without the TaskManager. */
    private transient RuntimeContext operatorContext;

    @Override
    public void setRuntimeContext(RuntimeContext context) {
        this.operatorContext = context;
        super.setRuntimeContext(context);
    }

    @Override
    public void open(OpenContext openContext) {
        EmbeddingMetrics metrics = new EmbeddingMetrics(getRuntimeContext().getMetricGroup());
        String thread = "embed-" + getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks();
        if (options.isRemote()) {
            remote = RemoteBackend.open(options.model(), options.remote(), metrics::onBatch, thread);
            embedder = remote.embedder();
            modelName = remote.name();
            fingerprint = remote.fingerprint();
        } else {
            TaskManagerResources tm = TaskManagerResources.of(operatorContext);
            NativeThreads.budgetForSlots(tm.cores(), tm.slots());
            try {
                model = InProcessEmbeddingModel.open(options.model(), tm.nativeBudget());
            } catch (MemoryBudgetException e) {
                // A configuration error: restarting the job cannot help, so fail it at once with the message.
                throw new SuppressRestartsException(e);
            }
            if (options.golden() != null) {
                checkGolden();
            }
            embedder = new MicroBatcher(model, options.flushTokens(), Duration.ofMillis(options.maxWaitMillis()),
                    metrics::onBatch, thread);
            modelName = model.info().name();
            fingerprint = model.info().fingerprint();
        }
    }

    /** model.golden: the model must reproduce its golden vectors here, or the job fails before any data moves. */
    private void checkGolden() {
        try {
            double worst = options.golden().check(model);
            LOG.info("Model {} matches its golden vectors ({}): worst probe cosine {}", model.info().name(),
                    options.golden().source(), String.format("%.7f", worst));
        } catch (IllegalStateException e) {
            model.close();
            model = null;
            throw new SuppressRestartsException(e); // the same model fails the same way after a restart
        }
    }

    @Override
    public void asyncInvoke(Chunk chunk, ResultFuture<EmbeddedChunk> resultFuture) {
        if (chunk.isDeletion()) {
            EmbeddedChunk deletion = EmbeddedChunk.deletion(chunk.docId, System.currentTimeMillis());
            deletion.sourcePartition = chunk.sourcePartition;
            deletion.sourceOffset = chunk.sourceOffset;
            resultFuture.complete(List.of(deletion));
            return;
        }
        embedder.submit(EmbeddingInput.document(chunk.embedText)).whenComplete((embedding, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof InputRejectedException) {
                resultFuture.complete(List.of(EmbeddedChunk.refused(chunk, cause.getMessage())));
            } else if (cause != null) {
                resultFuture.completeExceptionally(cause);
            } else {
                resultFuture.complete(List.of(EmbeddedChunk.of(chunk, embedding.vector(), embedding.tokens(),
                        modelName, fingerprint, System.currentTimeMillis())));
            }
        });
    }

    @Override
    public void timeout(Chunk chunk, ResultFuture<EmbeddedChunk> resultFuture) {
        resultFuture.completeExceptionally(new TimeoutException("embedding " + chunk + " took longer than "
                + "embed.timeout = " + options.timeoutMillis() + " ms: the model is overloaded or stuck (raise "
                + "embed.timeout, or lower batch.token-budget or the parallelism)"));
    }

    @Override
    public void close() {
        if (embedder != null) {
            embedder.close();
        }
        if (model != null) {
            model.close();
        }
        if (remote != null) {
            remote.close();
        }
    }
}
