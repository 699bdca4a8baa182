package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.RerankKeys;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.runtime.api.Role;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;

/**
 * {@code CREATE MODEL m INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ('provider' = 'flink-embed', ...)}
 * — or a reranker, {@code INPUT (query STRING, document STRING) OUTPUT (score FLOAT)} with the {@code rerank.*} keys:
 * the job configuration's keys ({@code model.*}, {@code embed.*}, {@code batch.*}, {@code remote.*}) build the same
 * embedding set-up as the bulk and stream jobs — in-process with the TaskManager's shared model and the token-budget
 * micro-batcher, or remote with many rows per request — checked with the same messages. Found by Flink through
 * {@code META-INF/services/org.apache.flink.table.factories.Factory}. Flink calls this when a statement uses the model
 * (ML_PREDICT), so a wrong option fails that statement, naming the key.
 */
public final class EmbeddingModelProviderFactory implements ModelProviderFactory, JobKeysFactory {

    public static final String IDENTIFIER = "flink-embed";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        ResolvedCatalogModel model = context.getCatalogModel();
        String what = "model '" + context.getObjectIdentifier().asSummaryString() + "'";
        JobConfig config = SqlOptions.of(model.getOptions(), "provider", what);
        ModelSchema schema = ModelSchema.check(what, model.getResolvedInputSchema(), model.getResolvedOutputSchema());
        if (schema.scoring()) {
            try {
                return new ScoringModelProvider(RerankKeys.reranker(config), schema.hasErrorColumn(), what);
            } catch (ConfigException e) {
                throw SqlOptions.named(what, e);
            }
        }
        EmbeddingOptions embedding;
        try {
            embedding = Settings.embedding(config);
        } catch (ConfigException e) {
            throw SqlOptions.named(what, e);
        }
        Role role = Role.parse(config.get(JobOptions.EMBED_INPUT));
        int inFlight = context.getConfiguration()
                .get(ExecutionConfigOptions.TABLE_EXEC_ASYNC_ML_PREDICT_MAX_CONCURRENT_OPERATIONS);
        return new EmbeddingModelProvider(embedding, role, schema.hasErrorColumn(), what, inFlight);
    }
}
