package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.store.BufferedWriteOperator;
import dev.flinkembed.operators.store.BufferingStoreWriter;
import dev.flinkembed.operators.store.PendingWrites;
import dev.flinkembed.operators.store.RefusedDocuments;
import dev.flinkembed.runtime.retry.Backoff;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers chunks and writes them in batches, one transaction per batch ({@link BufferedWriteOperator} decides when:
 * by size, by interval, before every checkpoint barrier and at the end of input). After a failure Flink replays from
 * the last checkpoint and the idempotent upserts and trims reach the same rows: at-least-once delivery, exactly-once
 * rows. Transient SQL failures are retried with exponential backoff and equal jitter ({@link Backoff}) on a fresh
 * connection; other failures that are not about the data fail the job (and its restart strategy decides).
 *
 * <p>A batch the database refuses for its data ({@link SqlErrors#isDataError}: a NUL byte, an index row too large, a
 * constraint) does not fail the job: the writer bisects the batch by document, commits every document that goes in,
 * and hands each refused document to {@code refused} as a dead letter naming the SQLSTATE. A refused document's rows
 * are removed, so the table never serves half of a version the source has replaced, and its later chunks (a document
 * longer than one batch) are skipped until a new version of it arrives. Messages name document ids and SQLSTATEs,
 * never bound values ({@link SqlErrors#describe}).
 */
final class PgVectorWriter extends BufferingStoreWriter {

    private static final Logger LOG = LoggerFactory.getLogger(PgVectorWriter.class);
    private final PgVectorOptions options;
    /** Made at the first connection, which tells whether the relation has the document_hash column. */
    private PgVectorStatements statements;

    private final Consumer<DeadLetter> refused;
    private final LockFence fence;
    private final Counter upserted;
    /** Of the rows upserted, those that went by COPY. */
    private final Counter copied;

    private final Counter deleted;
    private final Counter retries;
    private final Counter documentsRefused;

    private Connection connection;

    PgVectorWriter(PgVectorOptions options, MetricGroup metrics, Consumer<DeadLetter> refused) {
        this(options, metrics, refused, null);
    }

    /** @param fence when set, every batch first checks this run still holds that lock ({@link LockFence}) */
    PgVectorWriter(PgVectorOptions options, MetricGroup metrics, Consumer<DeadLetter> refused, LockFence fence) {
        super(options.batchSize(), metrics.addGroup("pgvector"));
        this.fence = fence;
        this.options = options;
        this.refused = refused;
        this.upserted = storeMetrics.counter("rowsUpserted");
        this.copied = storeMetrics.counter("rowsCopied");
        this.deleted = storeMetrics.counter("rowsDeleted");
        this.retries = storeMetrics.counter("retries");
        this.documentsRefused = storeMetrics.counter("documentsRefused");
    }

    /** Writes {@code all}: refused documents become dead letters, the rest is committed. */
    @Override
    protected void writeChanges(List<PendingWrites.DocumentChange> all) throws IOException {
        try {
            applyRetrying(all);
        } catch (DataError e) {
            LOG.warn(
                    "{} refused a batch of {} documents ({}); finding the documents it refuses",
                    options.table(),
                    all.size(),
                    SqlErrors.describe(e.cause));
            isolate(all, e.cause);
        }
    }

    /** Bisects {@code changes} until every refused document is alone; commits each half that goes in. */
    private void isolate(List<PendingWrites.DocumentChange> changes, SQLException error) throws IOException {
        if (changes.size() == 1) {
            refuse(changes.get(0), error);
            return;
        }
        int mid = changes.size() / 2;
        for (List<PendingWrites.DocumentChange> half :
                List.of(changes.subList(0, mid), changes.subList(mid, changes.size()))) {
            try {
                applyRetrying(half);
            } catch (DataError e) {
                isolate(half, e.cause);
            }
        }
    }

    private void refuse(PendingWrites.DocumentChange d, SQLException error) throws IOException {
        documentsRefused.inc();
        String why = SqlErrors.describe(error);
        LOG.warn(
                "{} refused document '{}' ({}): sent to the dead letters, its rows removed",
                options.table(),
                abbreviate(d.docId),
                why);
        try {
            removeDocument(d.docId);
        } catch (DataError e) {
            // nothing can be stored under this id either (e.g. a NUL in it): there is nothing to remove
        }
        refused.accept(refusedDocuments.refuse(
                d,
                "PostgreSQL refused the document (" + why + "); its rows were removed from the table",
                "pgvector " + options.schema() + "." + options.table()));
    }

    private void removeDocument(String docId) throws IOException, DataError {
        retrying(docId, 1, () -> {
            statements.deleteDocument(connection, docId);
            return null;
        });
    }

    private void applyRetrying(List<PendingWrites.DocumentChange> changes) throws IOException, DataError {
        long[] counts = retrying(
                changes.isEmpty() ? "" : changes.get(0).docId,
                changes.size(),
                () -> statements.apply(connection, changes, () -> {
                    if (fence != null) {
                        fence.check(connection);
                    }
                    checkVersion(changes);
                    return null;
                }));
        deleted.inc(counts[0]);
        upserted.inc(counts[1]);
        copied.inc(counts[2]);
    }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    /** The database refused the data: the caller isolates it. */
    private static final class DataError extends Exception {
        final SQLException cause;

        DataError(SQLException cause) {
            super(null, null, false, false);
            this.cause = cause;
        }
    }

    private <T> T retrying(String firstDoc, int documents, Work<T> work) throws IOException, DataError {
        SQLException last = null;
        for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
            try {
                if (connection == null || connection.isClosed()) {
                    connection = options.connect();
                }
                if (statements == null) {
                    statements = new PgVectorStatements(
                            options,
                            PgVectorTable.hasDocumentHash(connection, options),
                            options.copy()
                                    && options.vectorType().equals("vector")
                                    && CopyRows.serverSpeaksCopy(connection));
                }
                return work.run();
            } catch (SQLException e) {
                last = e;
                if (SqlErrors.isDataError(e)) {
                    throw new DataError(e);
                }
                if (!SqlErrors.isTransient(e) || attempt == options.maxRetries()) {
                    break;
                }
                retries.inc();
                closeConnection();
                long sleep = Backoff.delayMillis(options.retryBackoffMillis(), attempt + 1, 30_000);
                LOG.warn(
                        "Writing {} documents to {} failed ({}); retry {}/{} in {} ms",
                        documents,
                        options,
                        SqlErrors.describe(e),
                        attempt + 1,
                        options.maxRetries(),
                        sleep);
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while retrying a write to " + options, ie);
                }
            }
        }
        closeConnection();
        SQLException safe = SqlErrors.sanitized(Objects.requireNonNull(last));
        throw new IOException(
                "writing " + documents + " documents (the first '" + abbreviate(firstDoc) + "') to "
                        + options + " failed"
                        + (SqlErrors.isTransient(last) ? " after " + options.maxRetries() + " retries" : "") + ": "
                        + safe.getMessage(),
                safe);
    }

    private static String abbreviate(String id) {
        return RefusedDocuments.abbreviate(id);
    }

    /**
     * A model switch of a versioned table must not let this job's vectors into the new version: checked inside the
     * batch's transaction, with the registry rows locked until it commits ({@link PgVectorVersions#checkWriter}).
     */
    /** Whether a table never versioned was found to hold this job's model (checked once: it is kept uniform). */
    private boolean plainTableChecked;

    private void checkVersion(List<PendingWrites.DocumentChange> changes) throws SQLException {
        String fingerprint = PendingWrites.upserts(changes).stream()
                .map(e -> e.modelFingerprint)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
        try {
            PgVectorVersions.checkWriter(connection, options, fingerprint, !plainTableChecked);
            plainTableChecked = fingerprint != null;
        } catch (IllegalStateException e) {
            throw new SuppressRestartsException(e);
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
