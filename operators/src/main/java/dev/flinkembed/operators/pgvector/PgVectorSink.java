package dev.flinkembed.operators.pgvector;

import dev.flinkembed.operators.records.EmbeddedChunk;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Flink sink writing chunks to a PostgreSQL/pgvector table (see {@link PgVectorWriter} for the delivery guarantee).
 * The table is created or checked by {@link #prepareTable} on the client before the job starts, and again by each
 * writer (cheap, and right when the job is restored on a cluster against a database that changed).
 */
public final class PgVectorSink implements Sink<EmbeddedChunk> {

    private final PgVectorOptions options;

    public PgVectorSink(PgVectorOptions options) {
        this.options = options;
    }

    /** Connects, creates the table when missing, checks it; a message naming the problem otherwise. */
    public static void prepareTable(PgVectorOptions options) {
        try (Connection c = options.connect()) {
            PgVectorTable.prepare(c, options);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot use PostgreSQL at " + options.safeUrl() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SinkWriter<EmbeddedChunk> createWriter(WriterInitContext context) throws IOException {
        prepareTableOrFail();
        return new PgVectorWriter(options, context.getProcessingTimeService(), context.metricGroup());
    }

    private void prepareTableOrFail() throws IOException {
        try {
            prepareTable(options);
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
