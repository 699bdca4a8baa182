package dev.flinkembed.jobs.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.stores.pgvector.PgVectorOptions;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Database objects flink-embed did not create are not trusted blindly (a real PostgreSQL 18, PGlite): a lock table
 * planted by another role, with a trigger that would run as flink-embed's role, and a registry row whose table name
 * carries SQL. Each stops the command with exit 2 naming the table, and the planted SQL never runs.
 */
class PlantedDatabaseObjectsTest {

    static PgliteServer pg;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
        sql("CREATE ROLE attacker");
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            for (String q : statements) {
                s.execute(q);
            }
        }
    }

    private static boolean exists(String table) throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void aLockTablePlantedByAnotherRoleStopsTheRunBeforeItsTriggerRuns() throws Exception {
        sql(
                "CREATE TABLE flink_embed_locks (name text PRIMARY KEY, owner text NOT NULL, host text NOT NULL, "
                        + "pid bigint NOT NULL, acquired_at timestamptz NOT NULL, renewed_at timestamptz NOT NULL)",
                "CREATE FUNCTION plant() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        + "CREATE TABLE pwned_by_lock(); RETURN NEW; END $$",
                "CREATE TRIGGER plant BEFORE INSERT ON flink_embed_locks FOR EACH ROW EXECUTE FUNCTION plant()",
                "ALTER FUNCTION plant() OWNER TO attacker",
                "ALTER TABLE flink_embed_locks OWNER TO attacker");
        try {
            Path input = TestCorpus.writeDocuments(dir.resolve("docs.parquet"), Map.of("a", "a document"));
            CliRun run = CliRun.of(
                    "reindex",
                    "--input",
                    input.toString(),
                    "--pg-url",
                    pg.jdbcUrl(),
                    "--table",
                    "planted",
                    "--output",
                    dir.resolve("out").toString());
            assertThat(run.code()).as(run.err()).isEqualTo(2);
            assertThat(run.err())
                    .contains("table public.flink_embed_locks is owned by role 'attacker'")
                    .contains("pgvector.trusted-owners");
            assertThat(exists("pwned_by_lock")).as("the planted trigger ran").isFalse();
        } finally {
            sql("DROP TABLE flink_embed_locks", "DROP FUNCTION plant()");
        }
    }

    @Test
    void aRegistryRowNamingSqlIsRefusedAndNothingIsDropped() throws Exception {
        sql(
                "CREATE TABLE flink_embed_versions (name text NOT NULL, version integer NOT NULL, physical text NOT NULL, "
                        + "model text NOT NULL, fingerprint text NOT NULL, dimensions integer NOT NULL, "
                        + "state text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
                        + "switched_at timestamptz, PRIMARY KEY (name, version))",
                "CREATE TABLE docs__v2 (doc_id text)",
                "CREATE TABLE keep_me (x int)",
                "CREATE VIEW docs AS SELECT * FROM docs__v2",
                "INSERT INTO flink_embed_versions (name, version, physical, model, fingerprint, dimensions, state) "
                        + "VALUES ('docs', 1, 'x\"; CREATE TABLE pwned(); --', 'm', 'f1', 384, 'previous'), "
                        + "('docs', 2, 'docs__v2', 'm', 'f2', 384, 'live'), "
                        + "('other', 1, 'keep_me', 'm', 'f1', 384, 'previous')");
        try {
            CliRun rollback = CliRun.of("reindex", "--rollback", "--pg-url", pg.jdbcUrl(), "--table", "docs");
            assertThat(rollback.code()).as(rollback.err()).isEqualTo(2);
            assertThat(rollback.err())
                    .contains("naming table 'x\"; CREATE TABLE pwned(); --'")
                    .contains("Nothing was used or dropped");
            CliRun versions = CliRun.of("versions", "--pg-url", pg.jdbcUrl(), "--table", "docs");
            assertThat(versions.code()).as(versions.err()).isEqualTo(2);
            // a 'previous' row naming any other table is refused too, never dropped by a switch
            CliRun other = CliRun.of("reindex", "--rollback", "--pg-url", pg.jdbcUrl(), "--table", "other");
            assertThat(other.code()).as(other.err()).isEqualTo(2);
            assertThat(exists("pwned")).as("the planted SQL ran").isFalse();
            assertThat(exists("keep_me")).isTrue();
            assertThat(exists("docs__v2")).isTrue();
        } finally {
            sql("DROP VIEW docs", "DROP TABLE docs__v2", "DROP TABLE keep_me", "DROP TABLE flink_embed_versions");
        }
    }

    @Test
    void identifiersAreQuotedWithTheirQuotesDoubled() {
        assertThat(PgVectorOptions.quote("x\"; DROP TABLE t; --")).isEqualTo("\"x\"\"; DROP TABLE t; --\"");
    }
}
