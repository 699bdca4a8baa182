package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.store.WriteFence;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * A writer that writes only while its run holds a lock row ({@code reindex}'s): each batch's transaction reads the
 * row {@code FOR SHARE} and goes on only when it still names this run. A run that took the lock over must update the
 * row, which waits for a batch in flight to commit; every batch after that sees the new owner and fails the job
 * without restarts. So a run that lost its lease writes nothing after the takeover.
 *
 * @param table the lock table, quoted and qualified
 * @param name  the lock's name (its row)
 * @param owner this run's id in the row
 */
public record LockFence(String table, String name, String owner) implements WriteFence {

    void check(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT owner FROM " + table + " WHERE name = ? FOR SHARE")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                String holder = rs.next() ? rs.getString(1) : null;
                if (!owner.equals(holder)) {
                    throw new SuppressRestartsException(new IllegalStateException("this run lost the lock '" + name
                            + "' (" + (holder == null ? "released" : "now held by another run")
                            + "): it writes nothing more"));
                }
            }
        }
    }
}
