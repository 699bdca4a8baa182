package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.store.StoreVersion;
import dev.flinkembed.runtime.retry.Backoff;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Versions of a vectors table, for changing its model without readers ever seeing a mix: the stable name (what
 * {@code pgvector.table} says, what readers query) becomes a view over one physical table per version
 * ({@code <name>__v<N>}), listed in {@code <schema>.flink_embed_versions}. A new version is built beside the live one
 * and the view is switched to it in one transaction; the previous version stays for a rollback, older ones are
 * dropped at the switch. A table that was never versioned is adopted as version 1 on the first model change.
 */
public final class PgVectorVersions {

    public static final String LIVE = StoreVersion.LIVE;
    public static final String PREVIOUS = StoreVersion.PREVIOUS;
    public static final String BUILDING = StoreVersion.BUILDING;

    private PgVectorVersions() {}

    static String registry(String schema) {
        return PgVectorOptions.quote(schema) + ".flink_embed_versions";
    }

    /** Whether the registry exists in {@code schema} (a database where no model was ever changed has none). */
    static boolean hasRegistry(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, PgVectorOptions.quote(schema) + ".flink_embed_versions");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    static final String REGISTRY = "flink_embed_versions";
    static final List<String> REGISTRY_COLUMNS = List.of(
            "name", "version", "physical", "model", "fingerprint", "dimensions", "state", "created_at", "switched_at");

    static void ensureRegistry(Connection c, PgVectorOptions stable) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + registry(stable.schema())
                    + " (name text NOT NULL, version integer NOT NULL, "
                    + "physical text NOT NULL, model text NOT NULL, fingerprint text NOT NULL, dimensions integer NOT NULL, "
                    + "state text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), switched_at timestamptz, "
                    + "PRIMARY KEY (name, version))");
        }
        TableTrust.check(c, stable.schema(), REGISTRY, REGISTRY_COLUMNS, stable.trustedOwners());
    }

    /** The versions of {@code stable}'s table, oldest first; empty when it was never versioned. */
    public static List<StoreVersion> list(Connection c, PgVectorOptions stable, boolean countRows) throws SQLException {
        List<StoreVersion> out = new ArrayList<>();
        if (!hasRegistry(c, stable.schema())) {
            return out;
        }
        TableTrust.check(c, stable.schema(), REGISTRY, REGISTRY_COLUMNS, stable.trustedOwners());
        try (PreparedStatement ps =
                c.prepareStatement("SELECT version, physical, model, fingerprint, dimensions, state, "
                        + "created_at::text, switched_at::text FROM " + registry(stable.schema())
                        + " WHERE name = ? ORDER BY version")) {
            ps.setString(1, stable.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StoreVersion v = new StoreVersion(
                            rs.getInt(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getInt(5),
                            rs.getString(6),
                            rs.getString(7),
                            rs.getString(8),
                            -1);
                    checkRow(stable, v);
                    out.add(v);
                }
            }
        }
        if (countRows) {
            List<StoreVersion> counted = new ArrayList<>();
            for (StoreVersion v : out) {
                long rows = -1;
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + PgVectorOptions.quote(stable.schema())
                                + "." + PgVectorOptions.quote(v.physical()))) {
                    rs.next();
                    rows = rs.getLong(1);
                } catch (SQLException e) {
                    // dropped by hand: shown as -1
                }
                counted.add(new StoreVersion(
                        v.version(),
                        v.physical(),
                        v.model(),
                        v.fingerprint(),
                        v.dimensions(),
                        v.state(),
                        v.createdAt(),
                        v.switchedAt(),
                        rows));
            }
            return counted;
        }
        return out;
    }

    public static Optional<StoreVersion> inState(Connection c, PgVectorOptions stable, String state)
            throws SQLException {
        return list(c, stable, false).stream()
                .filter(v -> v.state().equals(state))
                .reduce((a, b) -> b);
    }

    /**
     * The model and fingerprint the index under {@code stable} holds now: the live version's, or for a table never
     * versioned those of any one row; empty when there is no table or no row.
     */
    public static Optional<String[]> currentModel(Connection c, PgVectorOptions stable) throws SQLException {
        Optional<StoreVersion> live = inState(c, stable, LIVE);
        if (live.isPresent()) {
            return Optional.of(new String[] {live.get().model(), live.get().fingerprint()});
        }
        if (PgVectorTable.columnTypes(c, stable).isEmpty()) {
            return Optional.empty();
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT model, model_fingerprint FROM " + stable.qualifiedTable() + " LIMIT 1")) {
            return rs.next() ? Optional.of(new String[] {rs.getString(1), rs.getString(2)}) : Optional.empty();
        }
    }

    /** The model ({@code --model} value) of the live version of {@code schema.table}, if it is versioned. */
    public static Optional<String> liveModel(Connection c, String schema, String table) throws SQLException {
        if (!hasRegistry(c, schema)) {
            return Optional.empty();
        }
        try (PreparedStatement ps =
                c.prepareStatement("SELECT model FROM " + registry(schema) + " WHERE name = ? AND state = 'live'")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** The physical table readers see under {@code stable} now (the table itself when never versioned). */
    public static PgVectorOptions livePhysical(Connection c, PgVectorOptions stable) throws SQLException {
        Optional<StoreVersion> live = inState(c, stable, LIVE);
        return live.isPresent()
                ? stable.withTable(live.get().physical(), live.get().dimensions(), stable.hnswIndex())
                : stable;
    }

    /**
     * Refuses to write vectors of model {@code fingerprint} under {@code target} when it is a versioned table whose live
     * version holds another model's (a stream job started before a model switch): the message says how to go on.
     *
     * <p>Called inside the writer's transaction, before its upserts: the registry rows of the table are read
     * {@code FOR SHARE}, so a switch (which updates them) waits for this transaction to commit, and a switch that
     * committed first is seen (a locking read follows the row to its latest version). The check and the writes are
     * one unit: no batch of the old model can land in the version a switch has just made live.
     */
    public static void checkWriter(Connection c, PgVectorOptions target, String fingerprint, boolean plainRows)
            throws SQLException {
        if (fingerprint == null) {
            return;
        }
        if (!hasRegistry(c, target.schema())) {
            if (plainRows) {
                checkPlainTable(c, target, fingerprint);
            }
            return;
        }
        TableTrust.check(c, target.schema(), REGISTRY, REGISTRY_COLUMNS, target.trustedOwners());
        StoreVersion live = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT version, model, fingerprint, state FROM "
                + registry(target.schema()) + " WHERE name = ? FOR SHARE")) {
            ps.setString(1, target.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (LIVE.equals(rs.getString(4))) {
                        live = new StoreVersion(
                                rs.getInt(1), null, rs.getString(2), rs.getString(3), 0, LIVE, null, null, -1);
                    }
                }
            }
        }
        if (live != null && !live.fingerprint().equals(fingerprint)) {
            throw new IllegalStateException("table " + target.schema() + "." + target.table() + " is served by version "
                    + live.version() + " (model " + live.model() + ", fingerprint " + abbreviate(live.fingerprint())
                    + "), this job embeds with fingerprint " + abbreviate(fingerprint) + ": writing would mix two "
                    + "models' vectors. Restart this job with --model " + live.model() + " (the model of the live "
                    + "version), or switch the index back with `flink-embed reindex --rollback`");
        }
    }

    /**
     * A table never versioned holds one model's vectors, as every writer checks before its first write: a row of
     * another fingerprint (another model, or the same one in another {@code model.precision}) means this job would
     * mix two models' vectors, whose scores are not comparable. One row tells (the table is kept uniform), so the
     * check costs one {@code LIMIT 1} read, no scan.
     */
    private static void checkPlainTable(Connection c, PgVectorOptions target, String fingerprint) throws SQLException {
        if (PgVectorTable.columnTypes(c, target).isEmpty()) {
            return; // not created yet
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT model, model_fingerprint FROM " + target.qualifiedTable() + " LIMIT 1")) {
            if (rs.next() && !fingerprint.equals(rs.getString(2))) {
                throw new IllegalStateException("table " + target.schema() + "." + target.table() + " holds vectors of "
                        + "model " + rs.getString(1) + " (fingerprint " + abbreviate(rs.getString(2)) + "), this job "
                        + "embeds with fingerprint " + abbreviate(fingerprint) + " (another model, or the same model "
                        + "with another model.precision): writing would mix two models' vectors in one table. To move "
                        + "the table to this job's model, run `flink-embed reindex` with the same model settings: it "
                        + "builds the new vectors as a version beside the live one and switches readers when done "
                        + "(docs/reindex.md). Or write to another --table");
            }
        }
    }

    private static String abbreviate(String fingerprint) {
        return fingerprint.length() > 12 ? fingerprint.substring(0, 12) + "…" : fingerprint;
    }

    /**
     * A registry row is data anyone with write access to the registry could have written: before any SQL uses its
     * table name (a view over it, a DROP of the previous version), the name must be exactly this registry's
     * {@code <name>__v<version>} and its state one flink-embed writes. Anything else is refused, never used.
     */
    private static void checkRow(PgVectorOptions stable, StoreVersion v) {
        String expected = stable.table() + "__v" + v.version();
        boolean known = v.state().equals(LIVE)
                || v.state().equals(PREVIOUS)
                || v.state().equals(BUILDING);
        if (!v.physical().equals(expected) || !known || v.version() < 1) {
            throw new TableTrust.UntrustedTableException("the version registry " + stable.schema() + "." + REGISTRY
                    + " has a row for " + stable.table() + " version " + v.version() + " naming table '"
                    + v.physical() + "' in state '" + v.state() + "': flink-embed only uses rows naming '" + expected
                    + "' in state live, previous or building. Nothing was used or dropped; delete or fix that row");
        }
        PgVectorOptions.checkIdentifier("table (version " + v.version() + " of " + stable.table() + ")", expected);
    }

    static String physicalName(String table, int version) {
        String name = table + "__v" + version;
        PgVectorOptions.checkIdentifier("table (version " + version + " of " + table + ")", name);
        return name;
    }

    /**
     * The version being built for {@code fingerprint}: the one an interrupted run left (resumed as it is), or a new
     * empty one. A never-versioned table is first adopted as version 1 (renamed, with a view of its old name over it).
     * The new physical table has no HNSW index yet: {@link #finishBuilding} adds it after the load.
     */
    public static StoreVersion startBuilding(
            Connection c, PgVectorOptions stable, String model, String fingerprint, int dimensions)
            throws SQLException {
        return Transactions.inTransaction(c, () -> {
            ensureRegistry(c, stable);
            List<StoreVersion> versions = list(c, stable, false);
            if (versions.isEmpty()) {
                adopt(c, stable);
                versions = list(c, stable, false);
            }
            for (StoreVersion v : versions) {
                if (v.state().equals(BUILDING)) {
                    if (v.fingerprint().equals(fingerprint) && v.dimensions() == dimensions) {
                        return v; // resume: what it holds is kept, the rest is embedded
                    }
                    drop(c, stable, v); // left by a run for another model
                }
            }
            int next = versions.stream().mapToInt(StoreVersion::version).max().orElse(0) + 1;
            String physical = physicalName(stable.table(), next);
            PgVectorOptions o = stable.withTable(physical, dimensions, false);
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + o.qualifiedTable());
                s.execute(PgVectorTable.createSql(o));
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO " + registry(stable.schema()) + " (name, version, "
                            + "physical, model, fingerprint, dimensions, state) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, stable.table());
                ps.setInt(2, next);
                ps.setString(3, physical);
                ps.setString(4, model);
                ps.setString(5, fingerprint);
                ps.setInt(6, dimensions);
                ps.setString(7, BUILDING);
                ps.executeUpdate();
            }
            return new StoreVersion(next, physical, model, fingerprint, dimensions, BUILDING, null, null, -1);
        });
    }

    /** StoreVersion 1 := the plain table, renamed to {@code <name>__v1}, with a view of the old name over it. */
    private static void adopt(Connection c, PgVectorOptions stable) throws SQLException {
        String[] current = currentModel(c, stable).orElse(new String[] {"unknown", "unknown"});
        List<String> columns = PgVectorTable.columnTypes(c, stable);
        String embedding = columns.stream()
                .filter(s -> s.startsWith("embedding "))
                .findFirst()
                .orElse("embedding vector(0)");
        int dims = Integer.parseInt(embedding.replaceAll(".*\\((\\d+)\\).*", "$1"));
        String physical = physicalName(stable.table(), 1);
        try (Statement s = c.createStatement()) {
            List<String> grants = grantsOn(c, stable); // readers of the plain table keep reading it by its name
            s.execute("ALTER TABLE " + stable.qualifiedTable() + " RENAME TO " + PgVectorOptions.quote(physical));
            s.execute("CREATE VIEW " + stable.qualifiedTable() + " AS SELECT * FROM "
                    + PgVectorOptions.quote(stable.schema()) + "." + PgVectorOptions.quote(physical));
            for (String grant : grants) {
                s.execute(grant);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + registry(stable.schema()) + " (name, version, "
                        + "physical, model, fingerprint, dimensions, state, switched_at) VALUES (?, 1, ?, ?, ?, ?, ?, now())")) {
            ps.setString(1, stable.table());
            ps.setString(2, physical);
            ps.setString(3, current[0]);
            ps.setString(4, current[1]);
            ps.setInt(5, dims);
            ps.setString(6, LIVE);
            ps.executeUpdate();
        }
    }

    /** After the load: the new version's HNSW index (when the options ask for one), built on the complete table. */
    public static void finishBuilding(Connection c, PgVectorOptions stable, StoreVersion v) throws SQLException {
        if (stable.hnswIndex()) {
            try (Statement s = c.createStatement()) {
                s.execute(PgVectorTable.indexSql(stable.withTable(v.physical(), v.dimensions(), true)));
            }
        }
    }

    /**
     * Points the view at {@code target} in one transaction: readers see the old version or the new one, never a mix.
     * The live version becomes the previous one; the version that was previous is dropped.
     */
    public static void switchTo(Connection c, PgVectorOptions stable, StoreVersion target) throws SQLException {
        underLockTimeout(c, () -> {
            for (StoreVersion v : list(c, stable, false)) {
                if (v.state().equals(PREVIOUS)) {
                    drop(c, stable, v);
                } else if (v.state().equals(LIVE)) {
                    setState(c, stable, v.version(), PREVIOUS);
                }
            }
            pointViewAt(c, stable, target);
            setState(c, stable, target.version(), LIVE);
            return null;
        });
    }

    /** Back to the previous version (the live one becomes previous): one transaction, as a switch. */
    public static StoreVersion rollback(Connection c, PgVectorOptions stable) throws SQLException {
        return underLockTimeout(c, () -> {
            Optional<StoreVersion> previous = inState(c, stable, PREVIOUS);
            Optional<StoreVersion> live = inState(c, stable, LIVE);
            if (previous.isEmpty() || live.isEmpty()) {
                throw new IllegalArgumentException("table " + stable.schema() + "." + stable.table()
                        + " has no previous version to roll back to (see `flink-embed versions`)");
            }
            pointViewAt(c, stable, previous.get());
            setState(c, stable, live.get().version(), PREVIOUS);
            setState(c, stable, previous.get().version(), LIVE);
            return previous.get();
        });
    }

    /** How long a switch waits for a lock (readers and writers of the view) before it gives up and tries again. */
    static final String LOCK_TIMEOUT = "5s";

    static final int LOCK_ATTEMPTS = 6;

    /**
     * A switch takes an exclusive lock on the view: without a limit, a long reader would hold it up and every reader
     * after it would queue behind the switch. So each attempt waits at most {@link #LOCK_TIMEOUT} (SQLSTATE 55P03 when
     * it runs out), rolls back, and tries again after a pause in which the queued readers go on.
     */
    private static <T> T underLockTimeout(Connection c, Transactions.Work<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return Transactions.inTransaction(c, () -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                    }
                    return work.run();
                });
            } catch (SQLException e) {
                if (!"55P03".equals(e.getSQLState()) || attempt == LOCK_ATTEMPTS) {
                    throw e;
                }
                try {
                    Thread.sleep(Backoff.delayMillis(500, attempt, 10_000));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * DROP + CREATE, not CREATE OR REPLACE: a new model may change the vector column's type. The privileges granted on
     * the view are read before and granted again on the new one, in the same transaction: readers keep their access.
     */
    private static void pointViewAt(Connection c, PgVectorOptions stable, StoreVersion v) throws SQLException {
        List<String> grants = grantsOn(c, stable);
        try (Statement s = c.createStatement()) {
            s.execute("DROP VIEW IF EXISTS " + stable.qualifiedTable());
            s.execute("CREATE VIEW " + stable.qualifiedTable() + " AS SELECT * FROM "
                    + PgVectorOptions.quote(stable.schema()) + "." + PgVectorOptions.quote(v.physical()));
            for (String grant : grants) {
                s.execute(grant);
            }
        }
    }

    /** The GRANT statements that give {@code stable}'s table or view its present privileges (its owner's aside). */
    private static List<String> grantsOn(Connection c, PgVectorOptions stable) throws SQLException {
        List<String> grants = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
                + "ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable FROM pg_class t "
                + "JOIN pg_namespace n ON n.oid = t.relnamespace, aclexplode(t.relacl) a "
                + "WHERE n.nspname = ? AND t.relname = ? AND a.grantee <> t.relowner")) {
            ps.setString(1, stable.schema());
            ps.setString(2, stable.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String grantee =
                            rs.getString(1).equals("PUBLIC") ? "PUBLIC" : PgVectorOptions.quote(rs.getString(1));
                    String privilege = rs.getString(2);
                    if (!privilege.matches("[A-Z ]+")) {
                        continue; // only PostgreSQL's own privilege names are put into SQL
                    }
                    grants.add("GRANT " + privilege + " ON " + stable.qualifiedTable() + " TO " + grantee
                            + (rs.getBoolean(3) ? " WITH GRANT OPTION" : ""));
                }
            }
        }
        return grants;
    }

    private static void setState(Connection c, PgVectorOptions stable, int version, String state) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE " + registry(stable.schema()) + " SET state = ?, "
                        + "switched_at = CASE WHEN ? = 'live' THEN now() ELSE switched_at END WHERE name = ? AND version = ?")) {
            ps.setString(1, state);
            ps.setString(2, state);
            ps.setString(3, stable.table());
            ps.setInt(4, version);
            ps.executeUpdate();
        }
    }

    private static void drop(Connection c, PgVectorOptions stable, StoreVersion v) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + PgVectorOptions.quote(stable.schema()) + "."
                    + PgVectorOptions.quote(v.physical()));
        }
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM " + registry(stable.schema()) + " WHERE name = ? AND version = ?")) {
            ps.setString(1, stable.table());
            ps.setInt(2, v.version());
            ps.executeUpdate();
        }
    }
}
