package dev.flinkembed.operators.embedding;

import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.remote.InputRejectedException;
import dev.flinkembed.runtime.remote.RemoteException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * One text at a time through a slot's {@link EmbeddingBackend}, each vector checked ({@link VectorCheck}) — what the
 * DataStream operator ({@link EmbeddingFunction}) and Flink SQL's {@code ML_PREDICT} ({@code jobs.sql}) share. The
 * answer is a vector, or a refusal of this one text (the remote server's 4xx for it, or a vector that may not be
 * stored) for the caller's dead letters; anything else completes exceptionally, wrapped in
 * {@link SuppressRestartsException} when a restart would meet the same answer (401, 403, 404).
 */
public final class CheckedEmbeddings {

    /** A vector ({@code refusal} null), or why this text has none ({@code kind}: a dead-letter kind). */
    public record Outcome(Embedding embedding, String kind, String refusal) {
        public boolean refused() {
            return refusal != null;
        }
    }

    private final EmbeddingBackend backend;
    private final VectorCheck vectors;

    public CheckedEmbeddings(EmbeddingBackend backend) {
        this.backend = backend;
        this.vectors = new VectorCheck(backend.modelName(), backend.dimensions());
    }

    public CompletableFuture<Outcome> embed(EmbeddingInput input) {
        CompletableFuture<Outcome> out = new CompletableFuture<>();
        backend.embedder().submit(input).whenComplete((embedding, error) -> {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String invalid = cause == null ? vectors.problem(embedding.vector()) : null;
            if (cause instanceof InputRejectedException) {
                out.complete(new Outcome(null, EmbeddingFunction.REFUSED_BY_MODEL, cause.getMessage()));
            } else if (invalid != null) {
                out.complete(new Outcome(null, VectorCheck.INVALID_VECTOR, invalid));
            } else if (cause != null) {
                out.completeExceptionally(refusedForGood(cause) ? new SuppressRestartsException(cause) : cause);
            } else {
                out.complete(new Outcome(embedding, null, null));
            }
        });
        return out;
    }

    /**
     * A server that refuses the key (401), the permission (403) or the model or path (404) refuses it again after a
     * restart: the job fails at once with the reason instead of restarting into the same answer.
     */
    static boolean refusedForGood(Throwable cause) {
        return cause instanceof RemoteException r && (r.status() == 401 || r.status() == 403 || r.status() == 404);
    }
}
