package dev.flinkembed.operators.stores.pgvector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.PendingWrites;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL of one flush: trims and deletes, lineage updates, then the new and changed rows, in one transaction. The rows
 * go by binary COPY when allowed ({@link CopyRows}: several times the rate of upserts) and else as batched upserts; a
 * COPY that meets a row already there (a unique violation: a rerun, a changed document) is rolled back to a savepoint
 * and the batch upserted, and COPY is then left out for 1, 2, 4 … up to {@link #MAX_COPY_PAUSE} batches, so a stream of
 * updates pays for few failed attempts while a load of new rows keeps COPY.
 */
final class PgVectorStatements {

    static final int MAX_COPY_PAUSE = 64;
    private static final String UNIQUE_VIOLATION = "23505";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PgVectorOptions options;
    private final boolean documentHash;
    private final boolean copy;
    private final String deleteSql;
    private final String upsertSql;
    private final String lineageSql;
    /** Batches to leave COPY out for now. */
    private int copyPaused;
    /** The pause after the next unique violation: doubles up to {@link #MAX_COPY_PAUSE}, 1 again after a COPY. */
    private int copyPause = 1;

    /**
     * @param documentHash whether the relation has the {@code document_hash} column (a view made before it has not)
     * @param copy         whether new rows may go by binary COPY (the server speaks it, the column is a vector)
     */
    PgVectorStatements(PgVectorOptions o, boolean documentHash, boolean copy) {
        this.options = o;
        this.documentHash = documentHash;
        this.copy = copy;
        String t = o.qualifiedTable();
        this.deleteSql = "DELETE FROM " + t + " WHERE doc_id = ? AND chunk_index >= ?";
        // Only rows still holding the same content and vector, and only when something changed (rows untouched
        // otherwise).
        String placed = "chunk_count, start_char, end_char" + (documentHash ? ", document_hash" : "");
        this.lineageSql = "UPDATE " + t + " SET (" + placed + ") = ROW(" + marks(placed) + ") WHERE doc_id = ? AND "
                + "chunk_index = ? AND content_hash = ? AND (" + placed + ") IS DISTINCT FROM (" + marks(placed) + ")";
        List<String> columns = PgVectorTable.columns(documentHash);
        String cols = String.join(", ", columns);
        String values = columns.stream()
                .map(c -> switch (c) {
                    case "metadata" -> "?::jsonb";
                    case "embedding" -> "?::" + o.vectorType();
                    default -> "?";
                })
                .collect(Collectors.joining(", "));
        String updates = columns.stream()
                .filter(c -> !c.equals("doc_id") && !c.equals("chunk_index"))
                .map(c -> c + " = EXCLUDED." + c)
                .collect(Collectors.joining(", "));
        // Unchanged chunks (same text, lineage and position) are left alone, embedded_at included: loading the same
        // corpus twice leaves the table as it was.
        String compared = "chunk_count, text, title, metadata, start_char, end_char, content_hash, model_fingerprint"
                + (documentHash ? ", document_hash" : "");
        String prefixed = Arrays.stream(compared.split(", ")).map(c -> "t." + c).collect(Collectors.joining(", "));
        String excluded =
                Arrays.stream(compared.split(", ")).map(c -> "EXCLUDED." + c).collect(Collectors.joining(", "));
        this.upsertSql = "INSERT INTO " + t + " AS t (" + cols + ") VALUES (" + values + ") ON CONFLICT (doc_id, "
                + "chunk_index) DO UPDATE SET " + updates + " WHERE (" + prefixed + ") IS DISTINCT FROM (" + excluded
                + ")";
    }

    private static String marks(String columns) {
        return Arrays.stream(columns.split(", ")).map(c -> "?").collect(Collectors.joining(", "));
    }

    /**
     * Applies {@code changes} in one transaction, {@code fence} first (the model-switch check: its locks hold until the
     * commit); returns {deleted rows, upserted rows, of which copied}.
     */
    long[] apply(Connection c, Collection<PendingWrites.DocumentChange> changes, Transactions.Work<?> fence)
            throws SQLException {
        c.setAutoCommit(false);
        long deleted = 0;
        long upserted;
        long copied;
        try (PreparedStatement del = c.prepareStatement(deleteSql);
                PreparedStatement up = c.prepareStatement(upsertSql)) {
            fence.run();
            for (PendingWrites.DocumentChange d : changes) {
                del.setString(1, d.docId);
                del.setInt(2, d.trimFrom);
                del.addBatch();
            }
            for (int n : del.executeBatch()) {
                deleted += Math.max(n, 0);
            }
            List<EmbeddedChunk> lineage = PendingWrites.lineageUpdates(changes);
            if (!lineage.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(lineageSql)) {
                    for (EmbeddedChunk e : lineage) {
                        bindLineage(ps, e);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            List<EmbeddedChunk> rows = PendingWrites.upserts(changes);
            copied = copyNew(c, rows);
            if (copied < 0) {
                for (EmbeddedChunk e : rows) {
                    bind(up, e);
                    up.addBatch();
                }
                up.executeBatch();
            }
            upserted = rows.size();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new long[] {deleted, upserted, Math.max(copied, 0)};
    }

    /** COPYs {@code rows} when allowed and none is there yet: the rows copied, or -1 when they must be upserted. */
    private long copyNew(Connection c, List<EmbeddedChunk> rows) throws SQLException {
        if (!copy || rows.isEmpty()) {
            return -1;
        }
        if (copyPaused > 0) {
            copyPaused--;
            return -1;
        }
        for (EmbeddedChunk e : rows) {
            checkDimensions(e);
        }
        Savepoint before = c.setSavepoint();
        try {
            long n = CopyRows.copy(c, options, rows, documentHash);
            c.releaseSavepoint(before);
            copyPause = 1;
            return n;
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e; // a data error (the writer isolates the document) or a lost connection (retried)
            }
            c.rollback(before);
            copyPaused = copyPause;
            copyPause = Math.min(copyPause * 2, MAX_COPY_PAUSE);
            return -1;
        }
    }

    /** Removes every row of one document (a document the table refused: no half-written version stays). */
    void deleteDocument(Connection c, String docId) throws SQLException {
        Transactions.inTransaction(c, () -> {
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM " + options.qualifiedTable() + " WHERE doc_id = ?")) {
                ps.setString(1, docId);
                return ps.executeUpdate();
            }
        });
    }

    private void bindLineage(PreparedStatement ps, EmbeddedChunk e) throws SQLException {
        int i = bindPlace(ps, 1, e);
        ps.setString(i++, e.docId);
        ps.setInt(i++, e.chunkIndex);
        ps.setString(i++, e.contentHash);
        bindPlace(ps, i, e);
    }

    private int bindPlace(PreparedStatement ps, int i, EmbeddedChunk e) throws SQLException {
        ps.setInt(i++, e.chunkCount);
        ps.setInt(i++, e.startChar);
        ps.setInt(i++, e.endChar);
        if (documentHash) {
            ps.setString(i++, e.documentHash);
        }
        return i;
    }

    private void checkDimensions(EmbeddedChunk e) throws SQLException {
        if (e.embedding == null || e.embedding.length != options.dimensions()) {
            // a data error like any the server raises: the writer isolates the document, the rest of the batch lands
            throw new SQLException(
                    "chunk " + e.docId + "#" + e.chunkIndex + " has " + (e.embedding == null ? 0 : e.embedding.length)
                            + " dimensions, the table " + options.table() + " holds "
                            + options.dimensions(),
                    "22000");
        }
    }

    private void bind(PreparedStatement ps, EmbeddedChunk e) throws SQLException {
        checkDimensions(e);
        int i = 1;
        ps.setString(i++, e.docId);
        ps.setInt(i++, e.chunkIndex);
        ps.setInt(i++, e.chunkCount);
        ps.setString(i++, e.text);
        ps.setString(i++, e.title);
        if (e.metadata == null) {
            ps.setNull(i++, Types.VARCHAR);
        } else {
            ps.setString(i++, json(e));
        }
        ps.setInt(i++, e.startChar);
        ps.setInt(i++, e.endChar);
        ps.setInt(i++, e.tokenCount);
        ps.setString(i++, e.contentHash);
        if (documentHash) {
            ps.setString(i++, e.documentHash);
        }
        ps.setString(i++, e.model);
        ps.setString(i++, e.modelFingerprint);
        ps.setTimestamp(i++, new Timestamp(e.embeddedAt));
        ps.setString(i, vectorLiteral(e.embedding));
    }

    private static String json(EmbeddedChunk e) {
        try {
            return JSON.writeValueAsString(e.metadata);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    /** pgvector's text form; Float.toString is the shortest exact representation, so values round-trip. */
    static String vectorLiteral(float[] v) {
        StringBuilder sb = new StringBuilder(v.length * 12).append('[');
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(v[i]);
        }
        return sb.append(']').toString();
    }
}
