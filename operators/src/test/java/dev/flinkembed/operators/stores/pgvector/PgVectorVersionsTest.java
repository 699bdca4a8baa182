package dev.flinkembed.operators.stores.pgvector;

import static dev.flinkembed.operators.stores.pgvector.PgVectorWriterTest.chunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.StoreVersion;
import dev.flinkembed.operators.testing.PgliteServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Blue/green versions of a table against a real PostgreSQL 18 + pgvector (PGlite): privileges and writers. */
class PgVectorVersionsTest {

    private static PgliteServer pg;

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE reader");
        }
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static PgVectorOptions options(String table) {
        return PgVectorOptions.builder(pg.jdbcUrl(), table, 4)
                .batchSize(100)
                .maxRetries(1)
                .retryBackoffMillis(10)
                .flushIntervalMillis(0)
                .build();
    }

    private static boolean readerCanSelect(String table) throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT has_table_privilege('reader', 'public." + table + "', 'SELECT')")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static EmbeddedChunk chunkOf(String doc, String fingerprint) {
        EmbeddedChunk e = chunk(doc, 0, 1, "text of " + doc, 4);
        e.modelFingerprint = fingerprint;
        return e;
    }

    private static List<String> fingerprints(String physical) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT doc_id || ' ' || model_fingerprint FROM " + physical + " ORDER BY doc_id")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The view is dropped and created again by a switch (a new model may change its vector type): grants survive. */
    @Test
    void readersKeepTheirPrivilegesThroughAdoptionSwitchAndRollback() throws Exception {
        PgVectorOptions stable = options("granted");
        PgVectorSink.prepareTable(stable);
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.execute("GRANT SELECT ON granted TO reader");
            StoreVersion v2 = PgVectorVersions.startBuilding(c, stable, "m2", "fp2", 4);
            assertThat(readerCanSelect("granted"))
                    .as("after adoption (the table became a view)")
                    .isTrue();
            PgVectorVersions.switchTo(c, stable, v2);
            assertThat(readerCanSelect("granted")).as("after the switch").isTrue();
            PgVectorVersions.rollback(c, stable);
            assertThat(readerCanSelect("granted")).as("after the rollback").isTrue();
        }
    }

    /**
     * A stream writer of model 1 goes on writing while a reindex builds version 2; the switch commits between two of
     * its batches: the next batch is refused (the job stops with the reason, no restart) and version 2 holds only
     * model 2's vectors. The check runs inside each batch's transaction with the registry rows locked FOR SHARE, so a
     * switch cannot commit between the check and the writes of one batch either (it waits for the batch to commit).
     */
    @Test
    void aSwitchBetweenTwoBatchesStopsTheOldModelsWriterAndTheNewVersionHoldsOnlyTheNewModel() throws Exception {
        PgVectorOptions stable = options("switched");
        PgVectorSink.prepareTable(stable);
        try (Connection c = pg.connect();
                PgVectorWriter old =
                        new PgVectorWriter(stable, UnregisteredMetricsGroup.createSinkWriterMetricGroup(), d -> {});
                PgVectorWriter fresh =
                        new PgVectorWriter(stable, UnregisteredMetricsGroup.createSinkWriterMetricGroup(), d -> {})) {
            old.write(chunkOf("a", "fp1"));
            old.flush();
            StoreVersion v2 = PgVectorVersions.startBuilding(c, stable, "m2", "fp2", 4);
            old.write(chunkOf("b", "fp1")); // version 1 is still live: this batch lands there
            old.flush();
            try (PgVectorWriter builder = new PgVectorWriter(
                    stable.withTable(v2.physical(), 4, false),
                    UnregisteredMetricsGroup.createSinkWriterMetricGroup(),
                    d -> {})) {
                builder.write(chunkOf("a", "fp2"));
                builder.write(chunkOf("b", "fp2"));
                builder.flush();
            }
            PgVectorVersions.switchTo(c, stable, v2);
            old.write(chunkOf("c", "fp1"));
            assertThatThrownBy(old::flush)
                    .isInstanceOf(SuppressRestartsException.class)
                    .hasStackTraceContaining("is served by version 2")
                    .hasStackTraceContaining("would mix two models");
            fresh.write(chunkOf("c", "fp2")); // a writer of the new model goes on, into version 2
            fresh.flush();
        }
        assertThat(fingerprints("switched__v1")).containsExactly("a fp1", "b fp1");
        assertThat(fingerprints("switched__v2")).containsExactly("a fp2", "b fp2", "c fp2");
    }
}
