package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.reindex.ModelIdentity;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.stores.pgvector.PgVectorStoreFactory;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.factories.DynamicTableSinkFactory;

/**
 * {@code CREATE TABLE v (...) WITH ('connector' = 'flink-embed-pgvector', 'pgvector.url' = ..., 'pgvector.table' =
 * ..., 'model.name' = ...)}: the pgvector writer of the bulk and stream jobs behind a SQL table. The {@code WITH} map
 * takes the job configuration's keys: {@code pgvector.*} for the table, {@code model.*} / {@code embed.backend} /
 * {@code remote.*} for the lineage written beside each vector (the same keys as the model that embedded them), and
 * {@code sink.path} for the dead letters. Like the jobs, the client connects before any data moves: the table is
 * created when missing and checked when present (vector length, owner), and a mistake fails the statement naming the
 * key.
 */
public final class PgVectorTableSinkFactory implements DynamicTableSinkFactory, JobKeysFactory {

    public static final String IDENTIFIER = "flink-embed-pgvector";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        String what = "table '" + context.getObjectIdentifier().asSummaryString() + "'";
        JobConfig config = SqlOptions.of(context.getCatalogTable().getOptions(), "connector", what);
        SinkColumns columns = SinkColumns.of(what, context.getCatalogTable().getResolvedSchema());
        try {
            VectorStore store = Settings.store(config, PgVectorStoreFactory.TYPE);
            store.prepare();
            ModelIdentity lineage = ModelIdentity.of(Settings.embedding(config));
            String deadLetters = config.get(JobOptions.SINK_PATH);
            return new PgVectorTableSink(store, columns, lineage, deadLetters);
        } catch (ConfigException e) {
            throw SqlOptions.named(what, e);
        }
    }
}
