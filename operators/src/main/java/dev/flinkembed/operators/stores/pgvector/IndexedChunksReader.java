package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.records.IndexedChunk;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Reads what a vectors table holds — {@code (doc_id, chunk_index, chunk_count, start_char, end_char, content_hash,
 * model_fingerprint, document_hash)} of every row, no text and no vectors — as a bounded input of the reindex job, in pages of
 * {@code pageSize} rows taken in primary-key order after the last row of the page before (keyset pagination: each page
 * an index range scan), so a table of any size passes through without being held in memory.
 *
 * <p>Element {@code k} in reads part {@code k}: the doc ids from {@code bounds[k-1]} (inclusive) to {@code bounds[k]}
 * (exclusive), the first part unbounded below and the last above ({@link #boundaries}: quantiles of a sample of the
 * ids, taken once as the job is built), so the parts are disjoint, together whole, about alike in size, and a
 * document's rows stay in one part. Each page is a statement of its own, not a cursor held open: no transaction stays
 * open for the length of the scan (on a billion rows that would hold back vacuum for hours), and several parts can
 * read through one connection-sharing proxy or pooler side by side.
 */
public final class IndexedChunksReader extends RichFlatMapFunction<Long, IndexedChunk> {

    /** Rows sampled per part to place the boundaries. */
    static final int SAMPLE_PER_PART = 2_000;

    private final PgVectorOptions options;
    private final int pageSize;
    private final List<String> bounds;

    public IndexedChunksReader(PgVectorOptions options, int pageSize, List<String> bounds) {
        this.options = options;
        this.pageSize = pageSize;
        this.bounds = List.copyOf(bounds);
    }

    /**
     * Up to {@code parts - 1} doc ids cutting the table into parts of about equal size: quantiles of a sample of the ids
     * ({@code TABLESAMPLE SYSTEM}, the share of the table's pages that gives about {@link #SAMPLE_PER_PART} rows per
     * part, the whole table when its size is unknown). None when there is no table yet, it is empty, or one part.
     */
    public static List<String> boundaries(PgVectorOptions options, int parts) throws SQLException {
        if (parts <= 1) {
            return List.of();
        }
        try (Connection c = options.connect()) {
            if (PgVectorTable.columnTypes(c, options).isEmpty()) {
                return List.of();
            }
            double rows;
            try (PreparedStatement ps = c.prepareStatement("SELECT reltuples FROM pg_class WHERE oid = ?::regclass")) {
                ps.setString(1, options.qualifiedTable());
                try (ResultSet rs = ps.executeQuery()) {
                    rows = rs.next() ? rs.getDouble(1) : -1;
                }
            }
            double percent = rows <= 0 ? 100 : Math.min(100, Math.max(0.01, 100.0 * SAMPLE_PER_PART * parts / rows));
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT doc_id FROM " + options.qualifiedTable()
                    + " TABLESAMPLE SYSTEM (" + percent + ") REPEATABLE (42) ORDER BY doc_id")) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            List<String> out = new ArrayList<>();
            for (int k = 1; k < parts && !ids.isEmpty(); k++) {
                String bound = ids.get((int) ((long) ids.size() * k / parts));
                if (out.isEmpty() || !out.get(out.size() - 1).equals(bound)) {
                    out.add(bound);
                }
            }
            return out;
        }
    }

    /** One page's SELECT for part {@code part}: its id range, after the given key when {@code after}, in key order. */
    String pageSql(int part, boolean after, boolean documentHash) {
        List<String> where = new ArrayList<>();
        if (part > 0) {
            where.add("doc_id >= ?");
        }
        if (part < bounds.size()) {
            where.add("doc_id < ?");
        }
        if (after) {
            where.add("(doc_id, chunk_index) > (?, ?)");
        }
        return "SELECT doc_id, chunk_index, chunk_count, start_char, end_char, content_hash, model_fingerprint, "
                + (documentHash ? PgVectorTable.DOCUMENT_HASH : "NULL") + " FROM " + options.qualifiedTable()
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY doc_id, chunk_index LIMIT " + pageSize;
    }

    @Override
    public void flatMap(Long element, Collector<IndexedChunk> out) throws SQLException {
        int part = element.intValue();
        if (part > bounds.size()) {
            return; // more elements than parts (the table was small): nothing left to read
        }
        try (Connection c = options.connect()) {
            List<String> columns = PgVectorTable.columnTypes(c, options);
            if (columns.isEmpty()) {
                return; // no table yet (a dry run before the first index): nothing is indexed
            }
            boolean hashes = PgVectorTable.hasDocumentHash(columns);
            try (PreparedStatement first = c.prepareStatement(pageSql(part, false, hashes));
                    PreparedStatement next = c.prepareStatement(pageSql(part, true, hashes))) {
                String lastDoc = null;
                int lastIndex = 0;
                while (true) {
                    PreparedStatement ps = lastDoc == null ? first : next;
                    int i = 1;
                    if (part > 0) {
                        ps.setString(i++, bounds.get(part - 1));
                    }
                    if (part < bounds.size()) {
                        ps.setString(i++, bounds.get(part));
                    }
                    if (lastDoc != null) {
                        ps.setString(i++, lastDoc);
                        ps.setInt(i, lastIndex);
                    }
                    int rows = 0;
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rows++;
                            lastDoc = rs.getString(1);
                            lastIndex = rs.getInt(2);
                            out.collect(IndexedChunk.of(
                                    lastDoc,
                                    lastIndex,
                                    rs.getInt(3),
                                    rs.getInt(4),
                                    rs.getInt(5),
                                    rs.getString(6),
                                    rs.getString(7),
                                    rs.getString(8)));
                        }
                    }
                    if (rows < pageSize) {
                        return;
                    }
                }
            }
        }
    }
}
