package dev.flinkembed.operators.stores.pgvector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * flink-embed writes to tables it may not have created ({@code CREATE TABLE IF NOT EXISTS} finds one that is there):
 * the vectors table, the version registry, the lock table. A role that can create tables in the schema could plant
 * one with a trigger, and the trigger would run as the role flink-embed connects as. So before using such a table,
 * flink-embed checks that it is owned by that role (or by one named in {@code pgvector.trusted-owners}) and has the
 * columns it expects; otherwise it stops before any data moves ({@link UntrustedTableException}: exit code 2) with the
 * table, its owner and what to do.
 */
public final class TableTrust {

    /** A table flink-embed will not use: a configuration problem of the database, exit code 2 on the client. */
    public static final class UntrustedTableException extends IllegalArgumentException {
        UntrustedTableException(String message) {
            super(message);
        }
    }

    private TableTrust() {}

    /** Checks {@code schema.table} when it exists (nothing to check otherwise). */
    public static void check(
            Connection c, String schema, String table, Collection<String> columns, List<String> trustedOwners)
            throws SQLException {
        String owner;
        String me;
        long oid;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_get_userbyid(c.relowner), current_user, c.oid "
                        + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                owner = rs.getString(1);
                me = rs.getString(2);
                oid = rs.getLong(3);
            }
        }
        if (!owner.equals(me) && !trustedOwners.contains(owner)) {
            throw new UntrustedTableException("table " + schema + "." + table + " is owned by role '" + owner
                    + "', not by '" + me + "' (the role flink-embed connects as): flink-embed does not use a table "
                    + "another role may have planted (its triggers would run as '" + me + "'). Drop it, give it to '"
                    + me + "' (ALTER TABLE " + PgVectorOptions.quote(schema) + "." + PgVectorOptions.quote(table)
                    + " OWNER TO " + PgVectorOptions.quote(me) + "), or name '" + owner
                    + "' in pgvector.trusted-owners");
        }
        Set<String> present = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT attname FROM pg_attribute WHERE attrelid = ? " + "AND attnum > 0 AND NOT attisdropped")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
        }
        Set<String> missing = new TreeSet<>(columns);
        missing.removeAll(present);
        if (!missing.isEmpty()) {
            throw new UntrustedTableException("table " + schema + "." + table + " lacks the columns " + missing
                    + " flink-embed expects: it is not flink-embed's (drop or rename it, or choose another schema)");
        }
    }
}
