package dev.flinkembed.jobs.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cdc.Postgres15;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.BufferedWriteOperator;
import dev.flinkembed.operators.stores.pgvector.PgVectorOptions;
import dev.flinkembed.operators.stores.pgvector.PgVectorWriters;
import dev.flinkembed.operators.testing.ParquetRows;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pgvector writer on a real PostgreSQL server with pgvector built in (Debian's PostgreSQL 15; pgvector from the
 * vendored source, built by .ci/run when missing — PGlite, which the other pgvector tests use, does not speak COPY):
 * new rows go by binary COPY and read back exactly as written, rows already there are upserted (unchanged ones left
 * alone), a document the server refuses is a dead letter while the rest of its batch goes in, and the bulk job writes
 * the same vectors as its Parquet output.
 */
@Tag("e2e")
class PgVectorServerTest {

    static final int DIMS = 8;

    static Postgres15 pg;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = Postgres15.start();
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS vector");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(
                    "pgvector is not installed in PostgreSQL 15 (" + e.getMessage() + "): "
                            + ".ci/run builds it from third_party/pgvector-0.8.1.tar.gz; see docs/testing.md",
                    e);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    /** Counters by name: the writer's own metrics. */
    static final class Metrics extends UnregisteredMetricsGroup {
        final Map<String, SimpleCounter> counters = new HashMap<>();

        @Override
        public Counter counter(String name) {
            return counters.computeIfAbsent(name, n -> new SimpleCounter());
        }

        @Override
        public MetricGroup addGroup(String name) {
            return this;
        }

        long get(String name) {
            return counters.containsKey(name) ? counters.get(name).getCount() : 0;
        }
    }

    static PgVectorOptions options(String table) {
        return PgVectorOptions.builder(pg.jdbcUrl(), table, DIMS)
                .hnswIndex(false)
                .batchSize(100)
                .flushIntervalMillis(0)
                .build();
    }

    static EmbeddedChunk chunk(int doc, String text) {
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = "doc-" + doc;
        e.chunkCount = 1;
        e.text = text;
        e.title = doc % 3 == 0 ? null : "Title " + doc;
        e.metadata = doc % 2 == 0 ? Map.of("lang", "en", "n", Integer.toString(doc)) : null;
        e.endChar = text.length();
        e.tokenCount = 7;
        e.contentHash = "c" + text.hashCode();
        e.documentHash = "d" + doc;
        e.model = "m";
        e.modelFingerprint = "fp";
        e.embeddedAt = 1_760_000_000_123L + doc;
        e.embedding = new float[DIMS];
        for (int i = 0; i < DIMS; i++) {
            e.embedding[i] = (float) Math.sin(doc * 0.7 + i) / 3f;
        }
        return e;
    }

    static Metrics write(PgVectorOptions o, List<EmbeddedChunk> chunks, List<DeadLetter> refused) throws Exception {
        Metrics m = new Metrics();
        try (BufferedWriteOperator.Writer w = new PgVectorWriters(o, null).open(m, refused::add)) {
            for (EmbeddedChunk e : chunks) {
                w.write(e);
            }
            w.finish();
        }
        return m;
    }

    /** Every column of every row, as the server gives it back in text, keyed by doc id. */
    static Map<String, String> table(String name) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text, title, metadata::text, "
                        + "start_char, end_char, token_count, content_hash, document_hash, model, model_fingerprint, "
                        + "(extract(epoch FROM embedded_at) * 1000)::bigint, embedding::text FROM " + name)) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 2; i <= 14; i++) {
                    row.append(rs.getString(i)).append(" | ");
                }
                row.append(vectorText(parse(rs.getString(15))))
                        .append(" | "); // as floats: pgvector prints 1e-4 otherwise
                out.put(rs.getString(1), row.toString());
            }
        }
        return out;
    }

    /** What {@link #table} shows for a chunk written as {@code e}. */
    static String expected(EmbeddedChunk e) {
        String metadata = e.metadata == null
                ? null
                : "{\"n\": \"" + e.metadata.get("n") + "\", \"lang\": \"" + e.metadata.get("lang") + "\"}";
        return e.chunkIndex + " | " + e.chunkCount + " | " + e.text + " | " + e.title + " | " + metadata + " | "
                + e.startChar + " | " + e.endChar + " | " + e.tokenCount + " | " + e.contentHash + " | "
                + e.documentHash + " | " + e.model + " | " + e.modelFingerprint + " | " + e.embeddedAt + " | "
                + vectorText(e.embedding) + " | ";
    }

    static String vectorText(float[] v) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            out.append(i > 0 ? "," : "").append(v[i]);
        }
        return out.append(']').toString();
    }

    static float[] parse(String vector) {
        String[] parts = vector.substring(1, vector.length() - 1).split(",");
        float[] f = new float[parts.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = Float.parseFloat(parts[i]);
        }
        return f;
    }

    @Test
    void newRowsGoByCopyAndReadBackExactlyAsWritten() throws Exception {
        List<EmbeddedChunk> chunks = new ArrayList<>();
        for (int i = 0; i < 350; i++) {
            chunks.add(chunk(i, "Text of document " + i + ", with ünïcödé, 'quotes', \\ and a tab\there."));
        }
        List<DeadLetter> refused = new ArrayList<>();
        Metrics m = write(options("copied"), chunks, refused);
        assertThat(refused).isEmpty();
        assertThat(m.get("rowsCopied")).isEqualTo(350);
        Map<String, String> rows = table("copied");
        assertThat(rows).hasSize(350);
        for (EmbeddedChunk e : chunks) {
            assertThat(rows.get(e.docId)).as(e.docId).isEqualTo(expected(e));
        }
    }

    @Test
    void rowsAlreadyThereAreUpsertedAndUnchangedOnesLeftAlone() throws Exception {
        PgVectorOptions o = options("rerun");
        List<EmbeddedChunk> first = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            first.add(chunk(i, "first text " + i));
        }
        write(o, first, new ArrayList<>());
        Map<String, String> xmin = xmins("rerun");
        // Again with 10 documents changed and 300 new ones after them: the first batches meet rows already there.
        List<EmbeddedChunk> second = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            second.add(chunk(i, i < 300 && i % 30 != 0 ? "first text " + i : "second text " + i));
        }
        List<DeadLetter> refused = new ArrayList<>();
        Metrics m = write(o, second, refused);
        assertThat(refused).isEmpty();
        Map<String, String> rows = table("rerun");
        assertThat(rows).hasSize(600);
        for (EmbeddedChunk e : second) {
            assertThat(rows.get(e.docId)).as(e.docId).isEqualTo(expected(e));
        }
        Map<String, String> after = xmins("rerun");
        for (int i = 0; i < 300; i++) {
            String id = "doc-" + i;
            if (i % 30 != 0) {
                assertThat(after.get(id)).as("unchanged %s not rewritten", id).isEqualTo(xmin.get(id));
            } else {
                assertThat(after.get(id)).as("changed %s rewritten", id).isNotEqualTo(xmin.get(id));
            }
        }
        assertThat(m.get("rowsUpserted")).isEqualTo(600);
        assertThat(m.get("rowsCopied"))
                .as("the new rows after the first batches went by COPY again")
                .isBetween(100L, 300L);
    }

    static Map<String, String> xmins(String table) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, xmin::text FROM " + table)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    @Test
    void aDocumentTheServerRefusesIsADeadLetterAndTheRestOfItsBatchGoesIn() throws Exception {
        List<EmbeddedChunk> chunks = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            chunks.add(chunk(i, i == 123 ? "a NUL \u0000 PostgreSQL cannot store" : "text " + i));
        }
        List<DeadLetter> refused = new ArrayList<>();
        Metrics m = write(options("refusing"), chunks, refused);
        assertThat(refused).extracting(d -> d.docId).containsExactly("doc-123");
        assertThat(refused.get(0).reason).contains("PostgreSQL refused the document");
        assertThat(table("refusing")).hasSize(249).doesNotContainKey("doc-123");
        assertThat(m.get("rowsCopied")).isEqualTo(249);
    }

    @Test
    void theBulkJobWritesTheVectorsOfItsParquetOutput() throws Exception {
        Path input = dir.resolve("docs.parquet");
        ParquetRows.write(input, ParquetRows.head(TestCorpus.SAMPLE, 120));
        CliRun parquet = CliRun.of(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("parquet").toString(),
                "--set",
                "job.progress-interval=0");
        assertThat(parquet.code()).as(parquet.err()).isZero();
        CliRun server = CliRun.of(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("server").toString(),
                "--sink",
                "pgvector",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "bulk",
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=0");
        assertThat(server.code()).as(server.err()).isZero();
        Map<String, float[]> expected = new HashMap<>();
        for (GenericRecord r : ParquetRows.readAll(dir.resolve("parquet").resolve("vectors"))) {
            @SuppressWarnings("unchecked")
            List<Float> v = (List<Float>) r.get("embedding");
            float[] f = new float[v.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = v.get(i);
            }
            expected.put(r.get("doc_id") + "#" + r.get("chunk_index"), f);
        }
        Map<String, float[]> stored = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, embedding::text FROM bulk")) {
            while (rs.next()) {
                stored.put(rs.getString(1) + "#" + rs.getInt(2), parse(rs.getString(3)));
            }
        }
        assertThat(stored.keySet()).isEqualTo(expected.keySet());
        double worst = 1;
        for (String k : expected.keySet()) {
            worst = Math.min(worst, dev.flinkembed.runtime.pooling.Vectors.cosine(stored.get(k), expected.get(k)));
        }
        assertThat(worst).isGreaterThan(0.99999);
    }
}
