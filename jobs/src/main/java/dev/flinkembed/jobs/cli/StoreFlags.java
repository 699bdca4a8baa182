package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.operators.stores.elasticsearch.ElasticsearchStoreFactory;
import dev.flinkembed.operators.stores.pgvector.PgVectorStoreFactory;
import picocli.CommandLine.Option;

/**
 * The vector stores' command-line shortcuts, shared by bulk, stream, reindex, search, evaluate and versions: each is
 * one configuration key of a store (any other key: --set). A new store adds its flags here and nowhere else in the CLI.
 */
final class StoreFlags {

    @Option(names = "--pg-url", description = "JDBC URL of PostgreSQL with pgvector (pgvector.url).")
    String pgUrl;

    @Option(
            names = "--table",
            description = "The pgvector table, created when missing where vectors are written " + "(pgvector.table).")
    String table;

    @Option(names = "--schema", description = "The pgvector schema (pgvector.schema; default public).")
    String schema;

    @Option(
            names = "--password-env",
            description = "Environment variable holding the database password "
                    + "(pgvector.password-env; default PGPASSWORD).")
    String passwordEnv;

    @Option(names = "--es-url", description = "Elasticsearch URL, e.g. https://es:9200 (elasticsearch.url).")
    String esUrl;

    @Option(
            names = "--index",
            description = "The Elasticsearch index (an alias once versioned), created when missing where vectors "
                    + "are written (elasticsearch.index).")
    String index;

    JobConfig apply(JobConfig c) {
        if (esUrl != null && pgUrl == null && !c.isSet(JobOptions.SINK_TYPE)) {
            c = c.with(JobOptions.SINK_TYPE, ElasticsearchStoreFactory.TYPE); // --es-url names the store
        }
        return c.with(ElasticsearchStoreFactory.URL, esUrl)
                .with(ElasticsearchStoreFactory.INDEX, index)
                .with(PgVectorStoreFactory.URL, pgUrl)
                .with(PgVectorStoreFactory.TABLE, table)
                .with(PgVectorStoreFactory.SCHEMA, schema)
                .with(PgVectorStoreFactory.PASSWORD_ENV, passwordEnv);
    }
}
