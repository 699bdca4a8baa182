package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.store.LeasedLock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reindex run per table at a time: a row in {@code <schema>.flink_embed_locks}, renewed by the holder every third
 * of the lease and deleted when it finishes. Not a session advisory lock: those vanish behind a connection pooler in
 * transaction mode (PgBouncer) and cannot be held across the hours a run takes without holding one connection open
 * the whole time. A run that died (kill -9, a lost machine) leaves its row behind; the next run takes it over once the
 * lease has expired, or at once when the holder ran in the same PID namespace of the same boot of the same host and
 * its process is gone ({@link #host}).
 */
final class PgVectorLock extends LeasedLock {

    private static final Logger LOG = LoggerFactory.getLogger(PgVectorLock.class);

    private final PgVectorOptions pg;
    private final String name;
    private final String owner;

    private PgVectorLock(PgVectorOptions pg, String name, String owner, long leaseMillis) {
        super(name, leaseMillis);
        this.pg = pg;
        this.name = name;
        this.owner = owner;
    }

    static final String TABLE = "flink_embed_locks";
    static final List<String> COLUMNS = List.of("name", "owner", "host", "pid", "acquired_at", "renewed_at");

    static String table(PgVectorOptions pg) {
        return PgVectorOptions.quote(pg.schema()) + "." + TABLE;
    }

    /** Takes the lock on {@code pg}'s table or throws {@link HeldException} naming who holds it. */
    static PgVectorLock acquire(PgVectorOptions pg, long leaseMillis) throws SQLException {
        String name = "reindex " + pg.schema() + "." + pg.table();
        String owner = UUID.randomUUID().toString();
        String host = host();
        long pid = ProcessHandle.current().pid();
        try (Connection c = pg.connect()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA IF NOT EXISTS " + PgVectorOptions.quote(pg.schema()));
                s.execute("CREATE TABLE IF NOT EXISTS " + table(pg) + " (name text PRIMARY KEY, owner text NOT NULL, "
                        + "host text NOT NULL, pid bigint NOT NULL, acquired_at timestamptz NOT NULL, "
                        + "renewed_at timestamptz NOT NULL)");
            }
            // a lock table another role planted could run its trigger as this role: refused (exit 2)
            TableTrust.check(c, pg.schema(), TABLE, COLUMNS, pg.trustedOwners());
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + table(pg) + " VALUES (?, ?, ?, ?, "
                        + "now(), now()) ON CONFLICT (name) DO NOTHING")) {
                    ins.setString(1, name);
                    ins.setString(2, owner);
                    ins.setString(3, host);
                    ins.setLong(4, pid);
                    if (ins.executeUpdate() == 1) {
                        c.commit();
                        return new PgVectorLock(pg, name, owner, leaseMillis).started();
                    }
                }
                try (PreparedStatement sel = c.prepareStatement("SELECT owner, host, pid, acquired_at, "
                        + "extract(epoch FROM now() - renewed_at) FROM " + table(pg) + " WHERE name = ? FOR UPDATE")) {
                    sel.setString(1, name);
                    try (ResultSet rs = sel.executeQuery()) {
                        if (!rs.next()) { // released between the two statements: try again
                            c.rollback();
                            return acquire(pg, leaseMillis);
                        }
                        String heldBy = rs.getString(1);
                        String heldHost = rs.getString(2);
                        long heldPid = rs.getLong(3);
                        String since = rs.getString(4);
                        double idleSeconds = rs.getDouble(5);
                        boolean expired = idleSeconds * 1000 > leaseMillis;
                        boolean deadHere = LeasedLock.deadHere(heldHost, heldPid);
                        if (!expired && !deadHere) {
                            c.rollback();
                            throw new HeldException(String.format(
                                    "%s.%s is being reindexed by another run (host %s, "
                                            + "pid %d, since %s, renewed %.0f s ago); its lock expires %.0f s after its "
                                            + "last renewal (reindex.lock-lease)",
                                    pg.schema(),
                                    pg.table(),
                                    heldHost,
                                    heldPid,
                                    since,
                                    idleSeconds,
                                    leaseMillis / 1000.0));
                        }
                        try (PreparedStatement up = c.prepareStatement(
                                "UPDATE " + table(pg) + " SET owner = ?, "
                                        + "host = ?, pid = ?, acquired_at = now(), renewed_at = now() WHERE name = ? AND owner = ?")) {
                            up.setString(1, owner);
                            up.setString(2, host);
                            up.setLong(3, pid);
                            up.setString(4, name);
                            up.setString(5, heldBy);
                            if (up.executeUpdate() != 1) {
                                c.rollback();
                                return acquire(pg, leaseMillis);
                            }
                        }
                        c.commit();
                        LOG.warn(
                                "Took over the reindex lock of {}.{} left by a run that is gone (host {}, pid {}, "
                                        + "renewed {} s ago)",
                                pg.schema(),
                                pg.table(),
                                heldHost,
                                heldPid,
                                (long) idleSeconds);
                        return new PgVectorLock(pg, name, owner, leaseMillis).started();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    @Override
    protected boolean renewInStore() throws SQLException {
        try (Connection c = pg.connect();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE " + table(pg) + " SET renewed_at = now() WHERE name = ? AND owner = ?")) {
            ps.setString(1, name);
            ps.setString(2, owner);
            return ps.executeUpdate() > 0;
        }
    }

    /** What the run's writers check in each batch: they write only while the lock row names this run. */
    @Override
    public LockFence fence() {
        return new LockFence(table(pg), name, owner);
    }

    @Override
    protected void releaseInStore() throws SQLException {
        try (Connection c = pg.connect();
                PreparedStatement ps =
                        c.prepareStatement("DELETE FROM " + table(pg) + " WHERE name = ? AND owner = ?")) {
            ps.setString(1, name);
            ps.setString(2, owner);
            ps.executeUpdate();
        }
    }
}
