package dev.flinkembed.operators.stores.pgvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.testing.PgliteServer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pgvector writer against a real PostgreSQL 18 + pgvector (PGlite over the wire). */
class PgVectorWriterTest {

    private static PgliteServer pg;

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static PgVectorOptions options(String table, int dims) {
        return PgVectorOptions.builder(pg.jdbcUrl(), table, dims)
                .batchSize(3)
                .maxRetries(2)
                .retryBackoffMillis(10)
                .flushIntervalMillis(0)
                .build();
    }

    static EmbeddedChunk chunk(String doc, int index, int count, String text, int dims) {
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = doc;
        e.chunkIndex = index;
        e.chunkCount = count;
        e.text = text;
        e.startChar = 0;
        e.endChar = text.length();
        e.tokenCount = 3;
        e.contentHash = Integer.toHexString(text.hashCode());
        e.model = "test-model";
        e.modelFingerprint = "fp1";
        e.embeddedAt = 1_700_000_000_000L;
        e.embedding = new float[dims];
        for (int i = 0; i < dims; i++) {
            e.embedding[i] = (float) Math.sin(text.hashCode() + i * 0.37) / 7f;
        }
        return e;
    }

    private static void write(PgVectorOptions o, List<EmbeddedChunk> records) throws IOException {
        List<DeadLetter> refused = write(o, records, new ArrayList<>());
        assertThat(refused).as("dead letters").isEmpty();
    }

    private static List<DeadLetter> write(PgVectorOptions o, List<EmbeddedChunk> records, List<DeadLetter> refused)
            throws IOException {
        PgVectorSink.prepareTable(o);
        try (PgVectorWriter w = writer(o, refused)) {
            for (EmbeddedChunk c : records) {
                w.write(c);
            }
            w.flush();
        }
        return refused;
    }

    private static PgVectorWriter writer(PgVectorOptions o, List<DeadLetter> refused) {
        return new PgVectorWriter(o, UnregisteredMetricsGroup.createSinkWriterMetricGroup(), refused::add);
    }

    private static List<String> rows(String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text, embedding::text FROM "
                        + table + " ORDER BY doc_id, chunk_index")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "#" + rs.getInt(2) + "/" + rs.getInt(3) + " " + rs.getString(4));
            }
        }
        return out;
    }

    @Test
    void createsTheTableWithAnHnswIndexAndStoresExactVectors() throws Exception {
        PgVectorOptions o = options("exact", 8);
        EmbeddedChunk a = chunk("a", 0, 1, "alpha", 8);
        write(o, List.of(a));
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT embedding::text, format_type(a.atttypid, a.atttypmod) FROM exact, "
                    + "pg_attribute a WHERE a.attrelid = 'exact'::regclass AND a.attname = 'embedding'");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(2)).isEqualTo("vector(8)");
            String[] parts = rs.getString(1).replace("[", "").replace("]", "").split(",");
            for (int i = 0; i < 8; i++) {
                assertThat(Float.parseFloat(parts[i])).isEqualTo(a.embedding[i]);
            }
            rs = s.executeQuery("SELECT indexdef FROM pg_indexes WHERE tablename = 'exact' AND indexdef LIKE '%hnsw%'");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).contains("vector_cosine_ops");
        }
    }

    @Test
    void reEmbeddingTrimsChunksBeyondTheNewCountAndDeleteRemovesAll() throws Exception {
        PgVectorOptions o = options("versions", 4);
        write(
                o,
                List.of(
                        chunk("d", 0, 3, "v1-0", 4),
                        chunk("d", 1, 3, "v1-1", 4),
                        chunk("d", 2, 3, "v1-2", 4),
                        chunk("e", 0, 1, "e-0", 4),
                        chunk("f", 0, 1, "f-0", 4)));
        assertThat(rows("versions")).hasSize(5);
        // A shorter new version of d, e deleted, f deleted then re-created, all in one flush.
        write(
                o,
                List.of(
                        chunk("d", 0, 2, "v2-0", 4),
                        chunk("d", 1, 2, "v2-1", 4),
                        EmbeddedChunk.deletion("e", 0),
                        EmbeddedChunk.deletion("f", 0),
                        chunk("f", 0, 1, "f-new", 4)));
        assertThat(rows("versions")).containsExactly("d#0/2 v2-0", "d#1/2 v2-1", "f#0/1 f-new");
    }

    @Test
    void anOlderVersionStillPendingNeverOutlivesAShorterNewerOne() throws Exception {
        PgVectorOptions o = PgVectorOptions.builder(pg.jdbcUrl(), "pending", 4)
                .hnswIndex(false)
                .batchSize(100)
                .maxRetries(0)
                .retryBackoffMillis(10)
                .flushIntervalMillis(0)
                .build();
        write(
                o,
                List.of(
                        chunk("d", 0, 3, "v1-0", 4),
                        chunk("d", 1, 3, "v1-1", 4),
                        chunk("d", 2, 3, "v1-2", 4),
                        chunk("d", 0, 1, "v2-0", 4)));
        assertThat(rows("pending")).containsExactly("d#0/1 v2-0");
    }

    @Test
    void writingTheSameChunksTwiceChangesNothing() throws Exception {
        PgVectorOptions o = options("twice", 4);
        List<EmbeddedChunk> batch = List.of(chunk("x", 0, 2, "x0", 4), chunk("x", 1, 2, "x1", 4));
        write(o, batch);
        String before = snapshot("twice");
        List<EmbeddedChunk> again = List.of(chunk("x", 0, 2, "x0", 4), chunk("x", 1, 2, "x1", 4));
        again.forEach(e -> e.embeddedAt += 60_000);
        write(o, again);
        assertThat(snapshot("twice")).isEqualTo(before);
    }

    private static String snapshot(String table) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT t::text, xmin::text FROM " + table + " t ORDER BY doc_id, chunk_index")) {
            while (rs.next()) {
                sb.append(rs.getString(1))
                        .append(" xmin=")
                        .append(rs.getString(2))
                        .append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void aTableWithAnotherDimensionFailsWithAMessage() throws Exception {
        write(options("dims", 4), List.of(chunk("a", 0, 1, "a", 4)));
        assertThatThrownBy(() -> PgVectorSink.prepareTable(options("dims", 8)))
                .hasMessageContaining("public.dims holds embedding vector(4) but this job writes vector(8)");
    }

    @Test
    void aboveTwoThousandDimensionsTheColumnIsHalfvec() throws Exception {
        PgVectorOptions o = options("wide", 2560);
        write(o, List.of(chunk("w", 0, 1, "wide", 2560)));
        assertThat(o.vectorType()).isEqualTo("halfvec");
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                        + "WHERE attrelid = 'wide'::regclass AND attname = 'embedding'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("halfvec(2560)");
        }
        var hits = PgVectorSearch.nearest(
                pg.connect(), "public", "wide", "halfvec", chunk("w", 0, 1, "wide", 2560).embedding, 1);
        assertThat(hits.get(0).docId()).isEqualTo("w");
        assertThat(hits.get(0).score()).isGreaterThan(0.999);
    }

    /**
     * A real PostgreSQL error of each SQLSTATE the writer calls transient — deadlock (40P01), serialization failure
     * (40001), server starting (57P03) — raised by the server itself (a trigger; a sequence counts the attempts, as it
     * is not rolled back), twice, then the rows go in: retried, every row once. A data error (23514) is not retried:
     * the document goes to the dead letters (see the isolation tests below). PGlite runs one session, so a real deadlock between two connections cannot happen there; the server
     * still raises the real error through the real driver.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"40P01, true", "40001, true", "57P03, true", "23514, false"})
    void serverErrorsAreRetriedWhenTransientAndOnlyThen(String sqlState, boolean transientError) throws Exception {
        String table = "fault_" + sqlState.toLowerCase();
        PgVectorOptions o = options(table, 4); // two retries
        PgVectorSink.prepareTable(o);
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE SEQUENCE " + table + "_attempts");
            s.execute("CREATE FUNCTION " + table + "_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF nextval('" + table + "_attempts') <= 2 THEN "
                    + "RAISE EXCEPTION 'injected failure' USING ERRCODE = '" + sqlState + "'; END IF; "
                    + "RETURN NEW; END $$");
            s.execute("CREATE TRIGGER " + table + "_fault BEFORE INSERT OR UPDATE ON " + table
                    + " FOR EACH ROW EXECUTE FUNCTION " + table + "_fault()");
        }
        List<EmbeddedChunk> batch =
                List.of(chunk("p", 0, 1, "p0", 4), chunk("q", 0, 2, "q0", 4), chunk("q", 1, 2, "q1", 4));
        if (transientError) {
            write(o, batch);
            assertThat(rows(table)).containsExactly("p#0/1 p0", "q#0/2 q0", "q#1/2 q1");
            assertThat(attempts(table))
                    .as("two failed statements, then one row each")
                    .isEqualTo(2 + 3);
        } else {
            // batch refused (1), half [p] refused (2): p is dead-lettered, its removal and [q] go in
            List<DeadLetter> refused = write(o, batch, new ArrayList<>());
            assertThat(refused).extracting(d -> d.docId).containsExactly("p");
            assertThat(rows(table)).containsExactly("q#0/2 q0", "q#1/2 q1");
        }
    }

    private static long attempts(String table) throws SQLException {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT last_value FROM " + table + "_attempts")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void namesThatCouldInjectSqlAreRejected() {
        assertThatThrownBy(() -> options("v; DROP TABLE x", 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table name 'v; DROP TABLE x' is not accepted");
        assertThatThrownBy(() -> PgVectorOptions.builder(pg.jdbcUrl(), "t", 4)
                        .schema("pub\"lic")
                        .batchSize(3)
                        .maxRetries(2)
                        .retryBackoffMillis(10)
                        .flushIntervalMillis(0)
                        .build())
                .hasMessageContaining("schema name 'pub\"lic'");
    }

    @Test
    void aDatabaseRestartIsRiddenOutWithRetriesOnANewConnection(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        int port = PgliteServer.freePort();
        PgliteServer first = PgliteServer.start(dir.resolve("db"), port);
        PgVectorOptions o = PgVectorOptions.builder(first.jdbcUrl(), "restart", 4)
                .hnswIndex(false)
                .batchSize(100)
                .maxRetries(8)
                .retryBackoffMillis(250)
                .flushIntervalMillis(0)
                .build();
        PgVectorSink.prepareTable(o);
        org.apache.flink.metrics.Counter retries = new org.apache.flink.metrics.SimpleCounter();
        PgVectorWriter w = new PgVectorWriter(
                o,
                new UnregisteredMetricsGroup() {
                    @Override
                    public org.apache.flink.metrics.MetricGroup addGroup(String name) {
                        return this;
                    }

                    @Override
                    public org.apache.flink.metrics.Counter counter(String name) {
                        return name.equals("retries") ? retries : super.counter(name);
                    }
                },
                new ArrayList<DeadLetter>()::add);
        w.write(chunk("a", 0, 1, "before", 4));
        w.flush();
        first.close();
        // The server comes back on the same port with the same data once the writer has failed and is retrying.
        java.util.concurrent.CompletableFuture<PgliteServer> second =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
                        while (retries.getCount() < 1 && System.nanoTime() < deadline) {
                            Thread.sleep(10);
                        }
                        return PgliteServer.start(dir.resolve("db"), port);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        try {
            w.write(chunk("b", 0, 1, "after", 4));
            w.flush();
            w.close();
            try (Connection c = second.get().connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT string_agg(doc_id || ':' || text, ',' ORDER BY doc_id) FROM restart")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("a:before,b:after");
            }
        } finally {
            second.get().close();
        }
    }

    @Test
    void anUnreachableDatabaseFailsAfterBoundedRetries() throws Exception {
        PgVectorOptions ok = options("gone", 4);
        PgVectorSink.prepareTable(ok);
        PgVectorOptions unreachable = PgVectorOptions.builder(
                        "jdbc:postgresql://127.0.0.1:1/postgres?connectTimeout=1", "gone", 4)
                .batchSize(3)
                .maxRetries(2)
                .retryBackoffMillis(10)
                .flushIntervalMillis(0)
                .build();
        PgVectorWriter w = writer(unreachable, new ArrayList<>());
        w.write(chunk("a", 0, 1, "a", 4));
        assertThatThrownBy(w::flush)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("writing 1 documents (the first 'a') to")
                .hasMessageContaining("after 2 retries");
    }

    /**
     * Real refusals, from the server and from the driver, in one batch with good documents: an id over the btree row
     * limit (54000), a NUL in the text (the driver refuses it, 22P05/22021 class 22), a NaN in the vector (pgvector,
     * 22000), a vector of the wrong length (the writer, 22000). Each refused document becomes one dead letter naming
     * its SQLSTATE and id, never its text; every good document lands; a bad document's earlier rows are removed.
     */
    @Test
    void documentsTheDatabaseRefusesAreIsolatedAndTheRestOfTheBatchLands() throws Exception {
        PgVectorOptions o = PgVectorOptions.builder(pg.jdbcUrl(), "isolate", 4)
                .batchSize(100)
                .maxRetries(2)
                .retryBackoffMillis(10)
                .flushIntervalMillis(0)
                .build();
        write(o, List.of(chunk("nul", 0, 1, "an older version", 4)));
        String longId = "x".repeat(10)
                + new java.util.Random(7)
                        .ints(3000, 0x4E00, 0x9FFF)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append);
        EmbeddedChunk nan = chunk("nan", 0, 1, "SECRET-TEXT nan", 4);
        nan.embedding[2] = Float.NaN;
        EmbeddedChunk shortVector = chunk("short", 0, 1, "SECRET-TEXT short", 4);
        shortVector.embedding = new float[] {0.5f, 0.5f};
        List<EmbeddedChunk> batch = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            batch.add(chunk("good" + i, 0, 2, "good " + i + " a", 4));
            batch.add(chunk("good" + i, 1, 2, "good " + i + " b", 4));
        }
        batch.add(2, chunk(longId, 0, 1, "SECRET-TEXT long id", 4));
        batch.add(5, chunk("nul", 0, 1, "SECRET-TEXT with a \0 NUL", 4));
        batch.add(7, nan);
        batch.add(shortVector);
        List<DeadLetter> refused = write(o, batch, new ArrayList<>());

        assertThat(rows("isolate")).hasSize(12).allMatch(r -> r.startsWith("good"));
        assertThat(refused).extracting(d -> d.docId).containsExactlyInAnyOrder(longId, "nul", "nan", "short");
        assertThat(refused).allSatisfy(d -> {
            assertThat(d.stage).isEqualTo(DeadLetter.WRITE);
            assertThat(d.kind).isEqualTo(dev.flinkembed.operators.store.RefusedDocuments.REFUSED_BY_STORE);
            assertThat(d.reason).contains("SQLSTATE ").doesNotContain("SECRET-TEXT");
            assertThat(d.original).contains("SECRET-TEXT"); // the dead letter keeps what was to be stored
        });
        assertThat(refused.stream()
                        .filter(d -> d.docId.equals(longId))
                        .findFirst()
                        .orElseThrow()
                        .reason)
                .contains("SQLSTATE 54000");
        assertThat(refused.stream()
                        .filter(d -> d.docId.equals("short"))
                        .findFirst()
                        .orElseThrow()
                        .reason)
                .contains("2 dimensions");
    }

    /** A document longer than one batch: refused in the first, its later chunks are skipped until a new version. */
    @Test
    void theLaterChunksOfARefusedVersionAreSkippedUntilANewVersionArrives() throws Exception {
        PgVectorOptions o = PgVectorOptions.builder(pg.jdbcUrl(), "sticky", 4)
                .batchSize(2)
                .maxRetries(1)
                .retryBackoffMillis(10)
                .flushIntervalMillis(0)
                .build();
        PgVectorSink.prepareTable(o);
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION sticky_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF NEW.text LIKE 'bad%' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '23514'; END IF; "
                    + "RETURN NEW; END $$");
            s.execute("CREATE TRIGGER sticky_refuse BEFORE INSERT OR UPDATE ON sticky FOR EACH ROW "
                    + "EXECUTE FUNCTION sticky_refuse()");
        }
        List<DeadLetter> refused = new ArrayList<>();
        try (PgVectorWriter w = writer(o, refused)) {
            for (int i = 0; i < 5; i++) { // flushes after chunks 1 and 3 (batch size 2)
                w.write(chunk("d", i, 5, (i == 0 ? "bad " : "ok ") + i, 4));
            }
            w.flush();
            assertThat(rows("sticky")).as("nothing of the refused version").isEmpty();
            w.write(chunk("d", 0, 1, "ok again", 4));
            w.flush();
        }
        assertThat(refused).hasSize(1);
        assertThat(rows("sticky")).containsExactly("d#0/1 ok again");
    }
}
