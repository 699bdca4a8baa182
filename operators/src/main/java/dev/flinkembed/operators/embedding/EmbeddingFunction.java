package dev.flinkembed.operators.embedding;

import dev.flinkembed.operators.metrics.EmbeddingMetrics;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.runtime.api.EmbeddingInput;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * The async embedding operator's function: the slot's {@link EmbeddingBackend} is opened in {@link #open} and released
 * in {@link #close} — the in-process model or a remote OpenAI-compatible server, chosen by the configuration. Each chunk's ResultFuture completes when its batch or request has run. Until then the
 * chunk stays in Flink's async queue, so a checkpoint keeps it and a restore replays it. A chunk the remote server
 * refuses (e.g. too long for it), or whose vector fails {@link VectorCheck} (NaN, wrong dimension), comes out with
 * {@code error} set, for the dead letters; other failures fail the job ({@link CheckedEmbeddings}).
 */
public final class EmbeddingFunction extends RichAsyncFunction<Chunk, EmbeddedChunk> {

    /** Dead-letter kind of a chunk the backend refused (a remote server's 4xx for that input). */
    public static final String REFUSED_BY_MODEL = "refused-by-model";

    private final EmbeddingOptions options;
    private transient EmbeddingBackend backend;
    private transient CheckedEmbeddings embeddings;

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
        backend = EmbeddingBackend.open(options, operatorContext, metrics::onBatch, thread);
        embeddings = new CheckedEmbeddings(backend);
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
        embeddings.embed(EmbeddingInput.document(chunk.embedText)).whenComplete((outcome, error) -> {
            if (error != null) {
                resultFuture.completeExceptionally(error);
            } else if (outcome.refused()) {
                resultFuture.complete(List.of(EmbeddedChunk.refused(chunk, outcome.kind(), outcome.refusal())));
            } else {
                resultFuture.complete(List.of(EmbeddedChunk.of(
                        chunk,
                        outcome.embedding().vector(),
                        outcome.embedding().tokens(),
                        backend.modelName(),
                        backend.fingerprint(),
                        System.currentTimeMillis())));
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
        if (backend != null) {
            backend.close();
        }
    }
}
