package dev.flinkembed.jobs.poison;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.stores.pgvector.PgVectorOptions;
import dev.flinkembed.operators.stores.pgvector.PgVectorSink;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison corpus through the bounded jobs: bulk → Parquet (from JSON Lines and from Parquet), bulk → pgvector
 * (with a table that refuses one document), reindex, and the first example of issue 24 (50 documents, one NUL in a
 * title). Every run: exit 0, every good document's chunks exactly once, each poison record in exactly one dead
 * letter of its stage and kind, no restart, and the marker planted in the poison texts in no log line.
 */
@Tag("e2e")
class PoisonBulkTest {

    static PgliteServer pg;

    @TempDir
    static Path dir;

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

    private static CliRun run(LogCapture logs, String... args) {
        CliRun run = CliRun.of(args);
        PoisonExpectations.assertNoDocumentTextIn("the log", logs.text());
        PoisonExpectations.assertNoDocumentTextIn("standard output and error", run.out() + run.err());
        assertThat(run.code()).as(run.err()).isZero();
        return run;
    }

    @Test
    void bulkToParquetFromJsonLines() throws Exception {
        PoisonCorpus corpus = PoisonCorpus.json(40);
        Path input = Files.write(dir.resolve("poison.jsonl"), corpus.jsonLines());
        Path out = dir.resolve("jsonl-out");
        CliRun bulk;
        try (LogCapture logs = new LogCapture()) {
            bulk = run(
                    logs,
                    "bulk",
                    "--input",
                    input.toString(),
                    "--output",
                    out.toString(),
                    "--parallelism",
                    "2",
                    "--set",
                    "chunking.max-document-chars=" + PoisonCorpus.MAX_DOCUMENT_CHARS,
                    "--set",
                    "job.progress-interval=0");
        }
        // Parquet mirrors its input rows: a document given twice is there twice.
        Map<String, Integer> versions = new HashMap<>();
        corpus.goodIds.forEach(id -> versions.merge(id, 1, Integer::sum));
        assertChunksLandOnce(ParquetRows.readAll(out.resolve("vectors")), corpus, versions);
        Map<String, Integer> perKind = PoisonExpectations.assertEachPoisonOnce(
                corpus.poisons, PoisonExpectations.fromFiles(out.resolve("dead-letter")));
        // the same counts as the metrics deadLetters.<stage>.<kind>, from the job's accumulators, in the summary
        assertThat(bulk.out()).contains("Dead letters: " + corpus.poisons.size() + " by stage/kind " + perKind);
        System.out.printf(
                "poison bulk→parquet (JSON Lines): %d documents landed, %d poison kinds, dead letters %s%n",
                corpus.goodIds.size(), corpus.poisons.size(), perKind);
    }

    @Test
    void bulkToParquetFromParquet() throws Exception {
        Schema schema = SchemaBuilder.record("doc")
                .fields()
                .optionalString("id")
                .optionalString("text")
                .optionalString("title")
                .endRecord();
        List<GenericRecord> rows = new ArrayList<>();
        List<PoisonCorpus.Poison> poisons = new ArrayList<>();
        Map<String, String> landing = new HashMap<>();
        for (GenericRecord r : ParquetRows.head(dev.flinkembed.jobs.TestCorpus.SAMPLE, 30)) {
            rows.add(row(schema, r.get("id").toString(), r.get("text").toString(), null));
            landing.put(r.get("id").toString(), r.get("text").toString());
        }
        rows.add(row(schema, "repaired-nul-title", "parquet text " + PoisonCorpus.token("pq-nul-title"), "a\u0000b"));
        landing.put("repaired-nul-title", "parquet text " + PoisonCorpus.token("pq-nul-title"));
        rows.add(row(schema, "repaired-nul-text", "parquet\u0000text " + PoisonCorpus.token("pq-nul-text"), null));
        landing.put("repaired-nul-text", "parquettext " + PoisonCorpus.token("pq-nul-text"));
        parquetPoison(rows, poisons, schema, "pq-null-id", null, "text", null, "missing-field");
        parquetPoison(rows, poisons, schema, "pq-null-text", "p-nulltext", null, "t", "missing-field");
        parquetPoison(rows, poisons, schema, "pq-blank-text", "p-blank", "  ", "t", "empty-field");
        parquetPoison(rows, poisons, schema, "pq-nul-id", "p-\u0000", "text", null, "bad-id");
        parquetPoison(rows, poisons, schema, "pq-long-id", "i".repeat(600), "text", null, "bad-id");
        parquetPoison(rows, poisons, schema, "pq-long-title", "p-title", "text", "t".repeat(5000), "too-large");
        Path input = dir.resolve("poison.parquet");
        ParquetRows.write(input, rows);
        Path out = dir.resolve("parquet-out");
        try (LogCapture logs = new LogCapture()) {
            run(
                    logs,
                    "bulk",
                    "--input",
                    input.toString(),
                    "--output",
                    out.toString(),
                    "--set",
                    "job.progress-interval=0",
                    "--set",
                    "source.title-column=title");
        }
        List<GenericRecord> vectors = ParquetRows.readAll(out.resolve("vectors"));
        Map<String, String> firstChunks = new HashMap<>();
        for (GenericRecord r : vectors) {
            if ((int) r.get("chunk_index") == 0) {
                assertThat(firstChunks.put(
                                r.get("doc_id").toString(), r.get("text").toString()))
                        .isNull();
            }
        }
        assertThat(firstChunks.keySet()).containsExactlyInAnyOrderElementsOf(landing.keySet());
        assertThat(firstChunks.get("repaired-nul-text")).isEqualTo(landing.get("repaired-nul-text"));
        Map<String, Integer> perKind = PoisonExpectations.assertEachPoisonOnce(
                poisons, PoisonExpectations.fromFiles(out.resolve("dead-letter")));
        System.out.printf(
                "poison bulk→parquet (Parquet): %d documents landed, %d poison kinds, dead letters %s%n",
                landing.size(), poisons.size(), perKind);
    }

    private static void parquetPoison(
            List<GenericRecord> rows,
            List<PoisonCorpus.Poison> poisons,
            Schema schema,
            String name,
            String id,
            String text,
            String title,
            String kind) {
        // the token goes where the row has room for text; a row without text carries it in the title
        String token = PoisonCorpus.token(name);
        boolean textHasRoom = text != null && !text.isBlank();
        GenericRecord r = row(
                schema,
                id,
                textHasRoom ? text + " " + token : text,
                textHasRoom ? title : (title == null ? "" : title) + token);
        rows.add(r);
        poisons.add(new PoisonCorpus.Poison(
                name, null, token.getBytes(java.nio.charset.StandardCharsets.UTF_8), "parse", kind, token));
    }

    private static GenericRecord row(Schema schema, String id, String text, String title) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("text", text);
        r.put("title", title);
        return r;
    }

    /** Every landing document has its chunks 0..n-1, each exactly {@code versions} times; no other document. */
    private static void assertChunksLandOnce(
            List<GenericRecord> rows, PoisonCorpus corpus, Map<String, Integer> versions) {
        Map<String, Integer> chunkRows = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (GenericRecord r : rows) {
            String id = r.get("doc_id").toString();
            chunkRows.merge(id + "#" + r.get("chunk_index"), 1, Integer::sum);
            counts.put(id, (Integer) r.get("chunk_count"));
            String text = r.get("text").toString();
            assertThat(text).doesNotContain("\u0000");
            assertThat(r.get("title") == null ? "" : r.get("title").toString()).doesNotContain("\u0000");
        }
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(corpus.landing.keySet());
        counts.forEach((id, n) -> {
            for (int i = 0; i < n; i++) {
                assertThat(chunkRows.get(id + "#" + i))
                        .as("rows of %s#%d", id, i)
                        .isEqualTo(versions.get(id));
            }
        });
    }

    @Test
    void bulkToPgvectorThenReindex() throws Exception {
        PoisonCorpus corpus = PoisonCorpus.json(40);
        corpus.addStoreRefusal();
        Path input = Files.write(dir.resolve("poison-pg.jsonl"), corpus.jsonLines());
        PgVectorSink.prepareTable(
                PgVectorOptions.builder(pg.jdbcUrl(), "poison", 384).build());
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            for (String sql : PoisonCorpus.storeRefusalTrigger("poison")) {
                s.execute(sql);
            }
        }
        try (LogCapture logs = new LogCapture()) {
            run(
                    logs,
                    "bulk",
                    "--input",
                    input.toString(),
                    "--output",
                    dir.resolve("pg-out").toString(),
                    "--sink",
                    "pgvector",
                    "--pg-url",
                    pg.jdbcUrl(),
                    "--table",
                    "poison",
                    "--parallelism",
                    "2",
                    "--set",
                    "chunking.max-document-chars=" + PoisonCorpus.MAX_DOCUMENT_CHARS,
                    "--set",
                    "job.progress-interval=0",
                    "--set",
                    "pgvector.batch-size=16");
        }
        assertTableHoldsTheLandingDocuments("poison", corpus);
        Map<String, Integer> perKind = PoisonExpectations.assertEachPoisonOnce(
                corpus.poisons, PoisonExpectations.fromFiles(dir.resolve("pg-out/dead-letter")));
        System.out.printf(
                "poison bulk→pgvector: %d documents landed, %d poison kinds, dead letters %s%n",
                corpus.landing.size(), corpus.poisons.size(), perKind);

        try (LogCapture logs = new LogCapture()) {
            run(
                    logs,
                    "reindex",
                    "--input",
                    input.toString(),
                    "--output",
                    dir.resolve("re-out").toString(),
                    "--pg-url",
                    pg.jdbcUrl(),
                    "--table",
                    "poison",
                    "--parallelism",
                    "2",
                    "--set",
                    "chunking.max-document-chars=" + PoisonCorpus.MAX_DOCUMENT_CHARS,
                    "--set",
                    "job.progress-interval=0",
                    "--set",
                    "pgvector.batch-size=16");
        }
        assertTableHoldsTheLandingDocuments("poison", corpus);
        perKind = PoisonExpectations.assertEachPoisonOnce(
                corpus.poisons, PoisonExpectations.fromFiles(dir.resolve("re-out/dead-letter")));
        System.out.printf("poison reindex: %d documents kept, dead letters %s%n", corpus.landing.size(), perKind);
    }

    private static void assertTableHoldsTheLandingDocuments(String table, PoisonCorpus corpus) throws Exception {
        Map<String, Integer> chunks = new HashMap<>();
        Map<String, String> firstTexts = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text FROM " + table)) {
            while (rs.next()) {
                chunks.merge(rs.getString(1), 1, Integer::sum);
                assertThat(rs.getInt(2)).isLessThan(rs.getInt(3));
                if (rs.getInt(2) == 0) {
                    firstTexts.put(rs.getString(1), rs.getString(4));
                }
            }
        }
        assertThat(chunks.keySet()).containsExactlyInAnyOrderElementsOf(corpus.landing.keySet());
        // a table keeps the last version of a document given twice; repaired texts are stored repaired
        for (String id : List.of("duplicate", "repaired-nul-text", "repaired-surrogate-text")) {
            assertThat(firstTexts.get(id)).isEqualTo(corpus.landing.get(id));
        }
    }

    /** Issue 24's first example: 50 short documents, one with a NUL in its title → 50 documents in the table. */
    @Test
    void fiftyDocumentsOneWithANulInItsTitleAllLand() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            jsonl.append("{\"id\":\"d")
                    .append(i)
                    .append("\",\"title\":\"")
                    .append(i == 17 ? "bad\\u0000title" : "title " + i)
                    .append("\",\"text\":\"Short document number ")
                    .append(i)
                    .append(".\"}\n");
        }
        Path input = Files.writeString(dir.resolve("fifty.jsonl"), jsonl);
        CliRun run = CliRun.of(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("fifty-out").toString(),
                "--sink",
                "pgvector",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "fifty",
                "--set",
                "job.progress-interval=0");
        assertThat(run.code()).as(run.err()).isZero();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT count(*), count(*) FILTER (WHERE title = 'badtitle') FROM fifty")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(50);
            assertThat(rs.getInt(2)).as("the NUL removed from the title").isEqualTo(1);
        }
        assertThat(PoisonExpectations.fromFiles(dir.resolve("fifty-out/dead-letter")))
                .isEmpty();
    }
}
