package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.store.Lineage;
import dev.flinkembed.operators.store.SearchHit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Nearest chunks by cosine distance ({@code <=>}, served by the HNSW index when there is one). */
public final class PgVectorSearch {

    private PgVectorSearch() {}

    /** The model and lineage fingerprint the table's rows were written with (the most common pair), or null. */
    public static Lineage lineage(Connection c, String schema, String table) throws SQLException {
        PgVectorOptions.checkIdentifier("schema", schema);
        PgVectorOptions.checkIdentifier("table", table);
        String t = PgVectorOptions.quote(schema) + "." + PgVectorOptions.quote(table);
        try (PreparedStatement ps =
                        c.prepareStatement("SELECT model, model_fingerprint, vector_dims(embedding::vector), "
                                + "count(*) AS n FROM (SELECT * FROM " + t
                                + " LIMIT 1000) s GROUP BY 1, 2, 3 ORDER BY n DESC LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Lineage(rs.getString(1), rs.getString(2), rs.getInt(3)) : null;
        }
    }

    public static List<SearchHit> nearest(
            Connection c, String schema, String table, String vectorType, float[] query, int k) throws SQLException {
        PgVectorOptions.checkIdentifier("schema", schema);
        PgVectorOptions.checkIdentifier("table", table);
        String t = PgVectorOptions.quote(schema) + "." + PgVectorOptions.quote(table);
        String cast = "?::" + ("halfvec".equals(vectorType) ? "halfvec" : "vector");
        List<SearchHit> hits = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT doc_id, chunk_index, 1 - (embedding <=> " + cast
                + ") AS score, text FROM " + t + " ORDER BY embedding <=> " + cast + " LIMIT ?")) {
            String literal = PgVectorStatements.vectorLiteral(query);
            ps.setString(1, literal);
            ps.setString(2, literal);
            ps.setInt(3, k);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    hits.add(new SearchHit(
                            hits.size() + 1, rs.getString(1), rs.getInt(2), rs.getDouble(3), rs.getString(4)));
                }
            }
        }
        return hits;
    }
}
