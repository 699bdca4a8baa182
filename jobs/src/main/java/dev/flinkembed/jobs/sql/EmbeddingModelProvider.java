package dev.flinkembed.jobs.sql;

import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.runtime.api.Role;
import org.apache.flink.table.api.config.MLPredictRuntimeConfigOptions;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;

/**
 * The async predict function of a {@code flink-embed} model. Flink's async ML_PREDICT operator keeps at most
 * {@code max-concurrent-operations} rows in flight per subtask (ML_PREDICT's config map, else
 * {@code table.exec.async-ml-predict.max-concurrent-operations}, default 10): that bound is the function's whole supply
 * of rows, so the micro-batcher also flushes when that many wait, and the bound should hold a batch's worth of rows —
 * docs/sql.md recommends 2048, the DataStream jobs' {@code embed.capacity}.
 */
final class EmbeddingModelProvider implements AsyncPredictRuntimeProvider {

    private final EmbeddingOptions embedding;
    private final Role role;
    private final boolean errorColumn;
    private final String what;
    /** The session's table.exec.async-ml-predict.max-concurrent-operations (the runtime config holds only the map). */
    private final int sessionInFlight;

    EmbeddingModelProvider(
            EmbeddingOptions embedding, Role role, boolean errorColumn, String what, int sessionInFlight) {
        this.sessionInFlight = sessionInFlight;
        this.embedding = embedding;
        this.role = role;
        this.errorColumn = errorColumn;
        this.what = what;
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(ModelProvider.Context context) {
        int inFlight = context.runtimeConfig()
                .getOptional(MLPredictRuntimeConfigOptions.ASYNC_MAX_CONCURRENT_OPERATIONS)
                .orElse(sessionInFlight);
        EmbeddingOptions sized = new EmbeddingOptions(
                embedding.model(),
                embedding.flushTokens(),
                embedding.maxWaitMillis(),
                inFlight,
                embedding.timeoutMillis(),
                embedding.remote(),
                embedding.golden());
        return new EmbeddingPredictFunction(sized, role, errorColumn, what);
    }

    @Override
    public ModelProvider copy() {
        return new EmbeddingModelProvider(embedding, role, errorColumn, what, sessionInFlight);
    }
}
