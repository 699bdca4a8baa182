package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.records.IndexedChunk;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Reads what a vectors table holds — {@code (doc_id, chunk_index, chunk_count, start_char, end_char, content_hash, model_fingerprint)} of
 * every row, no text and no vectors — as a bounded input of the reindex job. One element in (any number) starts one
 * streaming scan: the rows come through a server-side cursor in batches of {@code fetchSize}, so a table of any
 * size passes through without being held in memory. Run it with parallelism 1 (one sequential scan).
 */
public final class IndexedChunksReader extends RichFlatMapFunction<Long, IndexedChunk> {

    private final PgVectorOptions options;
    private final int fetchSize;

    public IndexedChunksReader(PgVectorOptions options, int fetchSize) {
        this.options = options;
        this.fetchSize = fetchSize;
    }

    @Override
    public void flatMap(Long ignored, Collector<IndexedChunk> out) throws SQLException {
        try (Connection c = options.connect()) {
            if (PgVectorTable.columnTypes(c, options).isEmpty()) {
                return; // no table yet (a dry run before the first index): nothing is indexed
            }
            c.setAutoCommit(false); // pgJDBC streams with a cursor only inside a transaction
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT doc_id, chunk_index, chunk_count, start_char, end_char, "
                            + "content_hash, model_fingerprint FROM " + options.qualifiedTable())) {
                ps.setFetchSize(fetchSize);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.collect(IndexedChunk.of(
                                rs.getString(1),
                                rs.getInt(2),
                                rs.getInt(3),
                                rs.getInt(4),
                                rs.getInt(5),
                                rs.getString(6),
                                rs.getString(7)));
                    }
                }
            } finally {
                c.rollback();
            }
        }
    }
}
