package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.pgvector.PgVectorOptions;
import dev.flinkembed.operators.pgvector.PgVectorSink;

/** Connects to the database and creates or checks the table before the job starts; failures name the key. */
public final class PgVectorPreflight {

    private PgVectorPreflight() {
    }

    public static void check(PgVectorOptions options) {
        try {
            PgVectorSink.prepareTable(options);
        } catch (IllegalStateException e) {
            boolean database = e.getCause() instanceof java.sql.SQLException;
            throw new ConfigException("configuration key '" + (database ? "pgvector.url" : "pgvector.table") + "': "
                    + e.getMessage());
        }
    }
}
