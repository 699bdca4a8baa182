package dev.flinkembed.operators.embedding;

import dev.flinkembed.operators.metrics.EmbeddingMetrics;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.ModelInfo;
import dev.flinkembed.runtime.batching.MicroBatcher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * The async embedding operator's function: the slot's model instance is opened in {@link #open} and released in
 * {@link #close}; each chunk is handed to the slot's micro-batcher, which completes its ResultFuture when its batch
 * has run. Until then the chunk stays in Flink's async queue, so a checkpoint keeps it and a restore replays it.
 */
public final class EmbeddingFunction extends RichAsyncFunction<Chunk, EmbeddedChunk> {

    private final EmbeddingOptions options;
    private transient InProcessEmbeddingModel model;
    private transient MicroBatcher batcher;
    private transient EmbeddingMetrics metrics;
    private transient ModelInfo info;

    public EmbeddingFunction(EmbeddingOptions options) {
        this.options = options;
    }

    @Override
    public void open(OpenContext openContext) {
        model = InProcessEmbeddingModel.open(options.model());
        info = model.info();
        metrics = new EmbeddingMetrics(getRuntimeContext().getMetricGroup());
        batcher = new MicroBatcher(model, options.flushTokens(), Duration.ofMillis(options.maxWaitMillis()),
                metrics::onBatch, "embed-batcher-" + getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks());
    }

    @Override
    public void asyncInvoke(Chunk chunk, ResultFuture<EmbeddedChunk> resultFuture) {
        if (chunk.isDeletion()) {
            resultFuture.complete(List.of(EmbeddedChunk.deletion(chunk.docId, System.currentTimeMillis())));
            return;
        }
        batcher.submit(EmbeddingInput.document(chunk.embedText)).whenComplete((embedding, error) -> {
            if (error != null) {
                resultFuture.completeExceptionally(error);
                return;
            }
            resultFuture.complete(List.of(EmbeddedChunk.of(chunk, embedding.vector(), embedding.tokens(),
                    info.name(), info.fingerprint(), System.currentTimeMillis())));
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
        if (batcher != null) {
            batcher.close();
        }
        if (model != null) {
            model.close();
        }
    }
}
