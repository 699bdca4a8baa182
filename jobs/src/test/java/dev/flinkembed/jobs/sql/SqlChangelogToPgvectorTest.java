package dev.flinkembed.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.jobs.cli.Environments;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A document change stream (inserts, an update that shortens a document, a delete) through the chunk function, ML_PREDICT
 * and the flink-embed-pgvector sink into a real PostgreSQL + pgvector (PGlite): the table ends with exactly the live
 * documents' chunks, with the jobs' lineage.
 */
class SqlChangelogToPgvectorTest {

    static PgliteServer pg;

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

    static final String LONG = "Debian is a free operating system built by volunteers around the world. ".repeat(60);

    @TempDir
    Path dead;

    @Test
    void changelogToPgvector() throws Exception {
        // One slot: a document's changes must reach the chunk function in order (on a cluster: one Kafka partition).
        StreamExecutionEnvironment env = Environments.local(1);
        env.setParallelism(1);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "256");
        // A change stream as ML_PREDICT takes it: append-only rows of changes, each with its operation.
        List<Row> changes = new ArrayList<>();
        changes.add(Row.of("d1", LONG, "Long", "c"));
        changes.add(Row.of("d2", "A short document.", "Short", "c"));
        changes.add(Row.of("d3", "Another short one, with a\u0000NUL.", null, "r"));
        changes.add(Row.of("d1", "Now it is short.", "Long", "u"));
        changes.add(Row.of("d2", null, null, "d"));
        // An update the chunk function refuses (no text): its row reaches the sink unfiltered, and must neither
        // delete nor replace d3's rows: a dead letter instead.
        changes.add(Row.of("d3", "   ", null, "u"));
        tables.createTemporaryView(
                "docs",
                tables.fromDataStream(env.fromData(
                                Types.ROW_NAMED(
                                        new String[] {"id", "text", "title", "op"},
                                        Types.STRING,
                                        Types.STRING,
                                        Types.STRING,
                                        Types.STRING),
                                changes.toArray(Row[]::new))
                        .setParallelism(1)));
        tables.executeSql("CREATE TEMPORARY FUNCTION chunks AS '" + ChunkFunction.class.getName() + "'");
        tables.executeSql("CREATE TEMPORARY MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH "
                + "('provider' = 'flink-embed')");
        tables.executeSql("CREATE TEMPORARY TABLE vectors (doc_id STRING, chunk_index INT, chunk_count INT, "
                + "text STRING, title STRING, start_char INT, end_char INT, token_count INT, content_hash STRING, "
                + "embedding ARRAY<FLOAT>) WITH ('connector' = 'flink-embed-pgvector', 'pgvector.url' = '"
                + pg.jdbcUrl() + "', 'pgvector.table' = 'sql_docs', 'sink.path' = '" + dead + "')");
        tables.executeSql("CREATE TEMPORARY VIEW doc_chunks AS SELECT d.id AS doc_id, c.* FROM docs AS d, "
                + "LATERAL TABLE(chunks(d.id, d.text, d.title, d.op)) AS c");
        tables.executeSql("INSERT INTO vectors SELECT doc_id, chunk_index, chunk_count, chunk_text, title, start_char, "
                        + "end_char, token_count, content_hash, embedding FROM ML_PREDICT(TABLE doc_chunks, MODEL "
                        + "embedder, DESCRIPTOR(embed_text))")
                .await();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text, model FROM sql_docs "
                        + "ORDER BY doc_id, chunk_index")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + "#" + rs.getInt(2) + "/" + rs.getInt(3) + " " + rs.getString(4) + " "
                        + rs.getString(5));
            }
            assertThat(rows)
                    .containsExactly(
                            "d1#0/1 Now it is short. builtin:all-minilm-l6-v2",
                            "d3#0/1 Another short one, with aNUL. builtin:all-minilm-l6-v2");
        }
        String letters;
        try (var files = Files.walk(dead)) {
            letters = files.filter(Files::isRegularFile)
                    .map(f -> {
                        try {
                            return Files.readString(f);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .reduce("", String::concat);
        }
        assertThat(letters).contains("\"kind\":\"incomplete-row\"").contains("\"doc_id\":\"d3\"");
    }

    @Test
    void aWrongSinkOptionFailsTheStatementNamingTheKey() {
        StreamTableEnvironment tables = StreamTableEnvironment.create(Environments.local(1));
        tables.executeSql("CREATE TEMPORARY TABLE v (doc_id STRING, chunk_index INT, chunk_count INT, text STRING, "
                + "content_hash STRING, embedding ARRAY<FLOAT>) WITH ('connector' = 'flink-embed-pgvector', "
                + "'pgvector.url' = '" + pg.jdbcUrl() + "', 'pgvector.tabel' = 'x')");
        assertThatThrownBy(
                        () -> tables.executeSql("INSERT INTO v VALUES ('a', 0, 1, 'x', 'h', ARRAY[CAST(1.0 AS FLOAT)])")
                                .await())
                .rootCause()
                .hasMessageContaining("unknown configuration key 'pgvector.tabel'; did you mean 'pgvector.table'?");
    }
}
