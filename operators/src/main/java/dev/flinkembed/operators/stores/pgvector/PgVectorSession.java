package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.store.Lineage;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.StoreVersion;
import dev.flinkembed.operators.store.VectorStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** A client connection to a pgvector table: search, lineage and its versions (a view over {@code <table>__v<N>}). */
final class PgVectorSession implements StoreSession {

    private final PgVectorStore store;
    private final PgVectorOptions pg;
    private final Connection c;

    PgVectorSession(PgVectorStore store, Connection c) {
        this.store = store;
        this.pg = store.options();
        this.c = c;
    }

    /** A SQL call; its failure names the database (as the client-side steps always did). */
    private interface Sql<T> {
        T run() throws SQLException;
    }

    private <T> T sql(Sql<T> call) {
        try {
            return call.run();
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + pg.safeUrl() + ": " + SqlErrors.describe(e), e);
        }
    }

    @Override
    public Optional<Lineage> lineage() {
        return Optional.ofNullable(sql(() -> PgVectorSearch.lineage(c, pg.schema(), pg.table())));
    }

    @Override
    public Optional<String> liveModel() {
        return sql(() -> PgVectorVersions.liveModel(c, pg.schema(), pg.table()));
    }

    @Override
    public List<SearchHit> nearest(float[] query, int k) {
        // The column's own type decides the cast: halfvec above 2,000 dimensions.
        String type = query.length > PgVectorOptions.MAX_VECTOR_DIMENSIONS ? "halfvec" : "vector";
        return sql(() -> PgVectorSearch.nearest(c, pg.schema(), pg.table(), type, query, k));
    }

    @Override
    public List<StoreVersion> versions(boolean countRows) {
        return sql(() -> PgVectorVersions.list(c, pg, countRows));
    }

    @Override
    public Optional<Lineage> currentModel() {
        return sql(() -> PgVectorVersions.currentModel(c, pg)).map(m -> new Lineage(m[0], m[1], 0));
    }

    @Override
    public VectorStore live() {
        return new PgVectorStore(sql(() -> PgVectorVersions.livePhysical(c, pg)));
    }

    @Override
    public StoreVersion startBuilding(String model, String fingerprint, int dimensions) {
        return sql(() -> PgVectorVersions.startBuilding(c, pg, model, fingerprint, dimensions));
    }

    @Override
    public VectorStore version(StoreVersion v) {
        return new PgVectorStore(pg.withTable(v.physical(), v.dimensions(), false));
    }

    @Override
    public void finishBuilding(StoreVersion v) {
        sql(() -> {
            PgVectorVersions.finishBuilding(c, pg, v);
            return null;
        });
    }

    @Override
    public void switchTo(StoreVersion v) {
        sql(() -> {
            PgVectorVersions.switchTo(c, pg, v);
            return null;
        });
    }

    @Override
    public StoreVersion rollback() {
        return sql(() -> PgVectorVersions.rollback(c, pg));
    }

    @Override
    public void close() {
        try {
            c.close();
        } catch (SQLException e) {
            // closing a connection that failed: nothing left to release
        }
    }

    @Override
    public String toString() {
        return "session on " + store;
    }
}
