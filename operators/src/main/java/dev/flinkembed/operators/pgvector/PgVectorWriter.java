package dev.flinkembed.operators.pgvector;

import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.runtime.retry.Backoff;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers chunks and writes them in batches: when {@code batchSize} records are waiting, every
 * {@code flushIntervalMillis}, and on every checkpoint ({@link #flush}, before the barrier goes on). A checkpoint
 * therefore completes only after everything before it is in the table; after a failure Flink replays from that
 * checkpoint and the idempotent upserts and trims reach the same rows: at-least-once delivery, exactly-once rows.
 * Transient SQL failures are retried with exponential backoff and equal jitter ({@link Backoff}) on a fresh connection.
 */
final class PgVectorWriter implements SinkWriter<EmbeddedChunk> {

    private static final Logger LOG = LoggerFactory.getLogger(PgVectorWriter.class);

    private final PgVectorOptions options;
    private final PgVectorStatements statements;
    private final PendingWrites pending = new PendingWrites();
    private final ProcessingTimeService time;
    private final Counter upserted;
    private final Counter deleted;
    private final Counter retries;
    private Connection connection;
    private boolean timerSet;

    PgVectorWriter(PgVectorOptions options, ProcessingTimeService time, MetricGroup metrics) {
        this.options = options;
        this.statements = new PgVectorStatements(options);
        this.time = time;
        MetricGroup g = metrics.addGroup("pgvector");
        this.upserted = g.counter("rowsUpserted");
        this.deleted = g.counter("rowsDeleted");
        this.retries = g.counter("retries");
    }

    @Override
    public void write(EmbeddedChunk chunk, Context context) throws IOException {
        pending.add(chunk);
        if (pending.records() >= options.batchSize()) {
            writePending();
        } else if (!timerSet && options.flushIntervalMillis() > 0 && time != null) {
            timerSet = true;
            time.registerTimer(time.getCurrentProcessingTime() + options.flushIntervalMillis(), t -> {
                timerSet = false;
                writePending();
            });
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        writePending();
    }

    private void writePending() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        SQLException last = null;
        for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
            try {
                if (connection == null || connection.isClosed()) {
                    connection = options.connect();
                }
                checkVersion();
                long[] counts = statements.apply(connection, pending);
                deleted.inc(counts[0]);
                upserted.inc(counts[1]);
                pending.clear();
                return;
            } catch (SQLException e) {
                last = e;
                if (!TransientSqlErrors.isTransient(e) || attempt == options.maxRetries()) {
                    break;
                }
                retries.inc();
                closeConnection();
                long sleep = Backoff.delayMillis(options.retryBackoffMillis(), attempt + 1, 30_000);
                LOG.warn("Writing {} buffered chunks to {} failed ({}: {}); retry {}/{} in {} ms", pending.records(),
                        options, e.getSQLState(), e.getMessage(), attempt + 1, options.maxRetries(), sleep);
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while retrying a write to " + options, ie);
                }
            }
        }
        closeConnection();
        throw new IOException("writing " + pending.records() + " chunks to " + options + " failed"
                + (TransientSqlErrors.isTransient(last) ? " after " + options.maxRetries() + " retries" : "")
                + ": " + last.getMessage(), last);
    }

    /** A model switch of a versioned table must not let this job's vectors into the new version (one query). */
    private void checkVersion() throws SQLException {
        String fingerprint = pending.upserts().stream().map(e -> e.modelFingerprint).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null);
        try {
            PgVectorVersions.checkWriter(connection, options, fingerprint);
        } catch (IllegalStateException e) {
            throw new org.apache.flink.runtime.execution.SuppressRestartsException(e);
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the connection is being replaced
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
