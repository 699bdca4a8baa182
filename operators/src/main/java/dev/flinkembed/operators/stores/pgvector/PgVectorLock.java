package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.store.StoreLock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
final class PgVectorLock implements StoreLock {

    private static final Logger LOG = LoggerFactory.getLogger(PgVectorLock.class);

    private final PgVectorOptions pg;
    private final String name;
    private final String owner;
    private final ScheduledExecutorService renewal;
    private final long leaseMillis;
    private volatile boolean lost;
    private volatile String lostReason;
    private volatile long lastRenewed = System.nanoTime();
    private volatile Runnable onLost = () -> {};

    private PgVectorLock(PgVectorOptions pg, String name, String owner, long leaseMillis) {
        this.pg = pg;
        this.name = name;
        this.owner = owner;
        this.leaseMillis = leaseMillis;
        this.renewal = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "reindex-lock-renewal");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1000, leaseMillis / 3);
        renewal.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
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
                        return new PgVectorLock(pg, name, owner, leaseMillis);
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
                        boolean deadHere = !host.equals("unknown")
                                && heldHost.equals(host)
                                && ProcessHandle.of(heldPid)
                                        .map(p -> !p.isAlive())
                                        .orElse(true);
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
                        return new PgVectorLock(pg, name, owner, leaseMillis);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private void renew() {
        try (Connection c = pg.connect();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE " + table(pg) + " SET renewed_at = now() WHERE name = ? AND owner = ?")) {
            ps.setString(1, name);
            ps.setString(2, owner);
            if (ps.executeUpdate() == 0) {
                lose("another run took the lock over (its lease had expired unrenewed, or the row was changed)");
            } else {
                lastRenewed = System.nanoTime();
            }
        } catch (SQLException e) {
            long unrenewed = (System.nanoTime() - lastRenewed) / 1_000_000;
            if (unrenewed > leaseMillis) { // another run may take it from now on
                lose("it could not be renewed for " + unrenewed + " ms, longer than its lease (" + e.getMessage()
                        + ")");
            } else {
                LOG.warn("Could not renew the reindex lock of {}: {}", name, e.getMessage());
            }
        }
    }

    private synchronized void lose(String reason) {
        if (lost) {
            return;
        }
        lostReason = reason;
        lost = true;
        LOG.error("This run lost the reindex lock of {}: {}; it stops writing", name, reason);
        onLost.run();
    }

    @Override
    public synchronized void onLost(Runnable action) {
        onLost = action;
        if (lost) {
            action.run();
        }
    }

    /** Renews now (as the timer would): afterwards {@link #lost()} says whether the lock is still this run's. */
    @Override
    public void verify() {
        renew();
    }

    /** What the run's writers check in each batch: they write only while the lock row names this run. */
    @Override
    public LockFence fence() {
        return new LockFence(table(pg), name, owner);
    }

    /** Whether this run no longer holds the lock (taken over, or not renewed within the lease). */
    @Override
    public boolean lost() {
        return lost;
    }

    /** Why the lock was lost, or null. */
    @Override
    public String lostReason() {
        return lostReason;
    }

    @Override
    public void close() {
        renewal.shutdownNow();
        try (Connection c = pg.connect();
                PreparedStatement ps =
                        c.prepareStatement("DELETE FROM " + table(pg) + " WHERE name = ? AND owner = ?")) {
            ps.setString(1, name);
            ps.setString(2, owner);
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.warn("Could not release the reindex lock of {} (it expires with its lease): {}", name, e.getMessage());
        }
    }

    /**
     * Who can judge the holder's pid: the host name with the kernel's boot id and this process's PID namespace. Two
     * containers may share a host name, and a pid means something only inside its namespace; when either cannot be
     * read the identity is "unknown", and an unknown holder is only ever taken over when its lease expired.
     */
    static String host() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            String boot =
                    Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            String pidNamespace =
                    Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            return name + " " + boot + " " + pidNamespace;
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
