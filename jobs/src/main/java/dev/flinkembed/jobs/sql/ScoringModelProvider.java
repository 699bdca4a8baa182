package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.config.Reranker;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;

/** The async predict function of a {@code flink-embed} reranker (see {@link ScorePredictFunction}). */
final class ScoringModelProvider implements AsyncPredictRuntimeProvider {

    private final Reranker reranker;
    private final boolean errorColumn;
    private final String what;

    ScoringModelProvider(Reranker reranker, boolean errorColumn, String what) {
        this.reranker = reranker;
        this.errorColumn = errorColumn;
        this.what = what;
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(ModelProvider.Context context) {
        return new ScorePredictFunction(reranker, errorColumn, what);
    }

    @Override
    public ModelProvider copy() {
        return new ScoringModelProvider(reranker, errorColumn, what);
    }
}
