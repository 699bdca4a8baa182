package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.records.IndexedChunk;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Reads what a vectors table holds — {@code (doc_id, chunk_index, chunk_count, start_char, end_char, content_hash,
 * model_fingerprint)} of every row, no text and no vectors — as a bounded input of the reindex job, in pages of
 * {@code pageSize} rows taken in primary-key order after the last row of the page before (keyset pagination), so a
 * table of any size passes through without being held in memory.
 *
 * <p>Element {@code k} in reads part {@code k} of {@code parts}: the rows whose {@code hashtext(doc_id)} falls in the
 * k-th of {@code parts} equal ranges of the 32-bit hash, so the parts are disjoint, together whole, alike in size
 * whatever the ids look like, and a document's rows stay in one part. Each page is a statement of its own, not a
 * cursor held open: no transaction stays open for the length of the scan (on a billion rows that would hold back
 * vacuum for hours), and several parts can read through one connection-sharing proxy or pooler side by side.
 */
public final class IndexedChunksReader extends RichFlatMapFunction<Long, IndexedChunk> {

    private final PgVectorOptions options;
    private final int pageSize;
    private final int parts;

    public IndexedChunksReader(PgVectorOptions options, int pageSize, int parts) {
        this.options = options;
        this.pageSize = pageSize;
        this.parts = parts;
    }

    /** The WHERE clause of part {@code k} (none for one part): a range of the signed 32-bit hash, bounds bound. */
    static String partFilter(int parts) {
        return parts == 1 ? "" : "hashtext(doc_id)::bigint >= ? AND hashtext(doc_id)::bigint < ?";
    }

    /** Part {@code k}'s range of the hash, [lower, upper), over [-2^31, 2^31). */
    static long[] hashRange(int k, int parts) {
        long span = 1L << 32;
        long lower = Integer.MIN_VALUE + span * k / parts;
        long upper = Integer.MIN_VALUE + span * (k + 1) / parts;
        return new long[] {lower, upper};
    }

    /** One page's SELECT: the part's filter, after the given key when {@code after}, in key order. */
    String pageSql(boolean after) {
        String where = partFilter(parts);
        if (after) {
            where = (where.isEmpty() ? "" : where + " AND ") + "(doc_id, chunk_index) > (?, ?)";
        }
        return "SELECT doc_id, chunk_index, chunk_count, start_char, end_char, content_hash, model_fingerprint FROM "
                + options.qualifiedTable() + (where.isEmpty() ? "" : " WHERE " + where)
                + " ORDER BY doc_id, chunk_index LIMIT " + pageSize;
    }

    @Override
    public void flatMap(Long part, Collector<IndexedChunk> out) throws SQLException {
        try (Connection c = options.connect()) {
            if (PgVectorTable.columnTypes(c, options).isEmpty()) {
                return; // no table yet (a dry run before the first index): nothing is indexed
            }
            long[] range = hashRange(part.intValue(), parts);
            try (PreparedStatement first = c.prepareStatement(pageSql(false));
                    PreparedStatement next = c.prepareStatement(pageSql(true))) {
                String lastDoc = null;
                int lastIndex = 0;
                while (true) {
                    PreparedStatement ps = lastDoc == null ? first : next;
                    int i = 1;
                    if (parts > 1) {
                        ps.setLong(i++, range[0]);
                        ps.setLong(i++, range[1]);
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
                                    rs.getString(7)));
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
