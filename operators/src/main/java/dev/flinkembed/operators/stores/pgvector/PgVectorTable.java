package dev.flinkembed.operators.stores.pgvector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The vectors table: one row per chunk, keyed by (doc_id, chunk_index), with its lineage. Creates it when missing and
 * checks an existing one (columns, vector type and dimension), so a mismatch fails before any data moves.
 */
public final class PgVectorTable {

    /** Columns in the order the upsert binds them. */
    static final List<String> COLUMNS = List.of(
            "doc_id",
            "chunk_index",
            "chunk_count",
            "text",
            "title",
            "metadata",
            "start_char",
            "end_char",
            "token_count",
            "content_hash",
            "document_hash",
            "model",
            "model_fingerprint",
            "embedded_at",
            "embedding");

    /**
     * Added after tables were first made (nullable): {@link #prepare} adds it to a table that lacks it, and a writer
     * through a view made before it leaves it out.
     */
    static final String DOCUMENT_HASH = "document_hash";

    private PgVectorTable() {}

    /** The columns a writer binds: all, less {@link #DOCUMENT_HASH} when the relation has none. */
    static List<String> columns(boolean documentHash) {
        return documentHash
                ? COLUMNS
                : COLUMNS.stream().filter(c -> !c.equals(DOCUMENT_HASH)).toList();
    }

    /** Whether the table (or view) has the {@link #DOCUMENT_HASH} column. */
    static boolean hasDocumentHash(Connection c, PgVectorOptions o) throws SQLException {
        return hasDocumentHash(columnTypes(c, o));
    }

    /** Whether {@code columns} ("name type", as {@link #columnTypes} gives them) hold {@link #DOCUMENT_HASH}. */
    static boolean hasDocumentHash(List<String> columns) {
        return columns.stream().anyMatch(s -> s.startsWith(DOCUMENT_HASH + " "));
    }

    public static String createSql(PgVectorOptions o) {
        return "CREATE TABLE IF NOT EXISTS " + o.qualifiedTable() + " (\n"
                + "  doc_id text NOT NULL,\n"
                + "  chunk_index integer NOT NULL,\n"
                + "  chunk_count integer NOT NULL,\n"
                + "  text text NOT NULL,\n"
                + "  title text,\n"
                + "  metadata jsonb,\n"
                + "  start_char integer NOT NULL,\n"
                + "  end_char integer NOT NULL,\n"
                + "  token_count integer NOT NULL,\n"
                + "  content_hash text NOT NULL,\n"
                + "  document_hash text,\n"
                + "  model text NOT NULL,\n"
                + "  model_fingerprint text NOT NULL,\n"
                + "  embedded_at timestamptz NOT NULL,\n"
                + "  embedding " + o.vectorType() + "(" + o.dimensions() + ") NOT NULL,\n"
                + "  PRIMARY KEY (doc_id, chunk_index))";
    }

    public static String indexSql(PgVectorOptions o) {
        String name = o.table().length() > 48 ? o.table().substring(0, 48) : o.table();
        return "CREATE INDEX IF NOT EXISTS " + PgVectorOptions.quote(name + "_embedding_hnsw") + " ON "
                + o.qualifiedTable() + " USING hnsw (embedding " + o.vectorType() + "_cosine_ops)";
    }

    /**
     * Creates the table (and index) when missing and allowed, then checks it. Throws IllegalStateException with a
     * message naming the table and what is wrong.
     */
    public static void prepare(Connection c, PgVectorOptions o) throws SQLException {
        List<String> columns = columnTypes(c, o);
        if (columns.isEmpty()) {
            if (!o.createTable()) {
                throw new IllegalStateException("table " + o.schema() + "." + o.table() + " does not exist in "
                        + o.safeUrl() + " and pgvector.create-table is false");
            }
            Transactions.inTransaction(c, () -> {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE EXTENSION IF NOT EXISTS vector");
                    s.execute("CREATE SCHEMA IF NOT EXISTS " + PgVectorOptions.quote(o.schema()));
                    s.execute(createSql(o));
                    if (o.hnswIndex()) {
                        s.execute(indexSql(o));
                    }
                }
                return null;
            });
            columns = columnTypes(c, o);
        }
        TableTrust.check(c, o.schema(), o.table(), List.of(), o.trustedOwners()); // its owner; columns just below
        check(o, columns);
        if (!hasDocumentHash(columns) && isTable(c, o)) {
            try (Statement s = c.createStatement()) { // a table made before the column: instant, rows get NULL
                s.execute("ALTER TABLE " + o.qualifiedTable() + " ADD COLUMN IF NOT EXISTS " + DOCUMENT_HASH + " text");
            }
        }
    }

    /** An ordinary table (not a view: a version's view keeps the columns it was made with). */
    private static boolean isTable(Connection c, PgVectorOptions o) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT t.relkind FROM pg_class t JOIN pg_namespace n ON "
                + "t.relnamespace = n.oid WHERE n.nspname = ? AND t.relname = ?")) {
            ps.setString(1, o.schema());
            ps.setString(2, o.table());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "r".equals(rs.getString(1));
            }
        }
    }

    /** "name type" of each column of the table, empty when it does not exist. */
    static List<String> columnTypes(Connection c, PgVectorOptions o) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
                + "FROM pg_attribute a JOIN pg_class t ON a.attrelid = t.oid JOIN pg_namespace n ON t.relnamespace = n.oid "
                + "WHERE n.nspname = ? AND t.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setString(1, o.schema());
            ps.setString(2, o.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
        }
        return out;
    }

    private static void check(PgVectorOptions o, List<String> columns) {
        String name = o.schema() + "." + o.table();
        String expected = o.vectorType() + "(" + o.dimensions() + ")";
        String embedding = columns.stream()
                .filter(s -> s.startsWith("embedding "))
                .findFirst()
                .map(s -> s.substring("embedding ".length()))
                .orElse(null);
        if (embedding == null) {
            throw new IllegalStateException("table " + name + " exists but has no 'embedding' column: it was not "
                    + "created by flink-embed; choose another pgvector.table");
        }
        if (!embedding.toLowerCase(Locale.ROOT).equals(expected)) {
            throw new IllegalStateException("table " + name + " holds embedding " + embedding + " but this job "
                    + "writes " + expected + " (model and model.dimensions decide it): use another pgvector.table, "
                    + "or drop the table to re-embed everything");
        }
        List<String> names =
                columns.stream().map(s -> s.substring(0, s.indexOf(' '))).toList();
        List<String> missing =
                columns(false).stream().filter(col -> !names.contains(col)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("table " + name + " lacks the columns " + missing
                    + ": it was not created by flink-embed; choose another pgvector.table");
        }
    }
}
