package dev.flinkembed.jobs.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.jobs.cli.FlinkEmbedCli;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reindex} against a real PostgreSQL + pgvector (PGlite) on 3,000 Debian documents: the first index, then an
 * input with 2% edited (a third of them multi-chunk documents edited in their last sentence), 1% new and 1% removed.
 * Each step asserts the table, the summary line's counts and what the model embedded; unchanged rows must keep their
 * physical version (xmin).
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReindexEndToEndTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TABLE = "reindexed";
    static final JobConfig CONFIG = JobConfig.defaults();

    @TempDir
    static Path dir;

    static PgliteServer pg;
    static Map<String, String> v1 = new LinkedHashMap<>();
    static Map<String, String> v2;
    /** Edited multi-chunk documents of v2. */
    static List<String> editedMultiChunk = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
        for (GenericRecord r : TestCorpus.replicated(3)) {
            v1.put(r.get("id").toString(), r.get("text").toString());
        }
        Map<String, Chunk> chunks = StreamExpectations.expectedChunks(CONFIG, v1);
        v2 = new LinkedHashMap<>(v1);
        List<String> ids = new ArrayList<>(v1.keySet());
        Set<String> multi = new HashSet<>();
        chunks.values().stream().filter(c -> c.chunkCount >= 2).forEach(c -> multi.add(c.docId));
        for (String id : ids) { // 20 multi-chunk documents: one word changed in their last sentence
            if (editedMultiChunk.size() < 20 && multi.contains(id)) {
                String t = v1.get(id);
                int last = t.lastIndexOf(' ');
                v2.put(id, t.substring(0, last) + " reworded" + t.substring(last));
                editedMultiChunk.add(id);
            }
        }
        int single = 0;
        for (int i = 0; single < 40; i += 7) { // 40 single-chunk documents: a sentence appended
            String id = ids.get(i);
            if (!multi.contains(id)) {
                v2.put(id, v1.get(id) + " See the updated notes.");
                single++;
            }
        }
        for (int i = 0; i < 30; i++) { // 1% removed, 1% new
            v2.remove(ids.get(ids.size() - 1 - i * 3));
            v2.put("new-" + i, v1.get(ids.get(i * 11)) + " A new package, number " + i + ".");
        }
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    static Path write(String name, Map<String, String> docs) throws Exception {
        return TestCorpus.writeDocuments(dir.resolve(name + ".parquet"), docs);
    }

    static CliRun reindex(Path input, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                TABLE,
                "--parallelism",
                "2",
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "job.progress-interval=0"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    static JsonNode summary(CliRun run) throws Exception {
        String[] lines = run.out().strip().split("\n");
        JsonNode n = JSON.readTree(lines[lines.length - 1]);
        assertThat(n.get("command").asText()).isEqualTo("reindex");
        return n;
    }

    /** Every row with its physical version: any write to a row, even of equal values, changes its xmin. */
    static Map<String, String> snapshot(String table) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, t::text, xmin::text FROM " + table + " t")) {
            while (rs.next()) {
                out.put(rs.getString(1) + "#" + rs.getInt(2), rs.getString(3) + " xmin=" + rs.getString(4));
            }
        }
        return out;
    }

    static Set<String> chunksToEmbed(Map<String, String> before, Map<String, String> now) {
        return StreamExpectations.chunksToEmbed(CONFIG, before, now);
    }

    /** The table's chunks as "chunk_count start-end hash text", keyed doc#chunk. */
    static Map<String, String> rows(String table) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT doc_id, chunk_index, chunk_count, start_char, end_char, token_count, "
                                + "content_hash, model_fingerprint, text FROM " + table)) {
            while (rs.next()) {
                out.put(
                        rs.getString(1) + "#" + rs.getInt(2),
                        rs.getInt(3) + " " + rs.getInt(4) + "-" + rs.getInt(5) + " " + rs.getInt(6) + " "
                                + rs.getString(7) + " " + rs.getString(8) + " " + rs.getString(9));
            }
        }
        return out;
    }

    static Map<String, String> expectedRows(Map<String, String> docs) {
        Map<String, String> out = new HashMap<>();
        StreamExpectations.expectedChunks(CONFIG, docs)
                .forEach((k, c) -> out.put(
                        k, c.chunkCount + " " + c.startChar + "-" + c.endChar + " " + c.contentHash + " " + c.text));
        return out;
    }

    /** rows() without token count and fingerprint, comparable with expectedRows(). */
    static Map<String, String> tableAsExpected() throws Exception {
        Map<String, String> out = new HashMap<>();
        rows(TABLE).forEach((k, v) -> {
            String[] f = v.split(" ", 6);
            out.put(k, f[0] + " " + f[1] + " " + f[3] + " " + f[5]);
        });
        return out;
    }

    @Test
    @Order(1)
    void theFirstRunIndexesEverything() throws Exception {
        CliRun run = reindex(write("v1", v1));
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode s = summary(run);
        int chunks = StreamExpectations.expectedChunks(CONFIG, v1).size();
        assertThat(s.get("new").asLong()).isEqualTo(3000);
        assertThat(s.get("chunks_embedded").asLong()).isEqualTo(chunks);
        assertThat(tableAsExpected()).isEqualTo(expectedRows(v1));
    }

    @Test
    @Order(2)
    void aDryRunCountsEverythingAndWritesNothing() throws Exception {
        Map<String, String> before = snapshot(TABLE);
        CliRun run = reindex(write("v2", v2), "--mode", "full-sync", "--dry-run");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode s = summary(run);
        assertThat(s.get("dry_run").asBoolean()).isTrue();
        assertThat(s.get("chunks_to_embed").asLong())
                .isEqualTo(chunksToEmbed(v1, v2).size());
        assertThat(s.get("chunks_embedded").asLong()).isZero();
        assertThat(s.get("deleted").asLong()).isEqualTo(30);
        assertThat(snapshot(TABLE)).isEqualTo(before);
    }

    @Test
    @Order(3)
    void deletingMoreThanTheLimitIsRefusedAndChangesNothing() throws Exception {
        Map<String, String> before = snapshot(TABLE);
        Map<String, String> partial = new LinkedHashMap<>();
        v2.entrySet().stream().limit(2000).forEach(e -> partial.put(e.getKey(), e.getValue())); // a third missing
        CliRun run = reindex(write("partial", partial), "--mode", "full-sync");
        assertThat(run.code()).isEqualTo(3);
        assertThat(run.err()).contains("full-sync would delete").contains("reindex.max-delete-fraction");
        assertThat(summary(run).get("status").asText()).isEqualTo("refused");
        assertThat(snapshot(TABLE)).isEqualTo(before);
    }

    @Test
    @Order(4)
    void fullSyncEmbedsOnlyChangedChunksAndEqualsAFreshIndex() throws Exception {
        Map<String, String> before = snapshot(TABLE);
        Set<String> toEmbed = chunksToEmbed(v1, v2);
        Path input = write("v2", v2);
        CliRun run = reindex(input, "--mode", "full-sync");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode s = summary(run);
        System.out.println("reindex e2e: " + s);
        assertThat(s.get("changed").asLong()).isEqualTo(60);
        assertThat(s.get("new").asLong()).isEqualTo(30);
        assertThat(s.get("deleted").asLong()).isEqualTo(30);
        assertThat(s.get("unchanged").asLong()).isEqualTo(3000 - 60 - 30);
        assertThat(s.get("chunks_embedded").asLong())
                .as("the model embeds only the changed chunks")
                .isEqualTo(toEmbed.size());
        long editedChunks = StreamExpectations.expectedChunks(CONFIG, v2).values().stream()
                .filter(c -> editedMultiChunk.contains(c.docId))
                .count();
        long editedEmbedded = toEmbed.stream()
                .filter(k -> editedMultiChunk.contains(k.substring(0, k.lastIndexOf('#', k.indexOf(' ')))))
                .count();
        System.out.printf(
                "reindex e2e: the 20 edited multi-chunk documents have %d chunks, %d embedded again%n",
                editedChunks, editedEmbedded);
        assertThat(editedEmbedded).isLessThan(editedChunks);

        // Rows of documents that did not change were not written at all.
        Map<String, String> after = snapshot(TABLE);
        Set<String> touchedDocs = new HashSet<>();
        v1.forEach((id, t) -> {
            if (!t.equals(v2.get(id))) {
                touchedDocs.add(id);
            }
        });
        before.forEach((k, v) -> {
            if (!touchedDocs.contains(k.substring(0, k.lastIndexOf('#')))) {
                assertThat(after.get(k))
                        .as("row %s of an unchanged document", k)
                        .isEqualTo(v);
            }
        });

        // Equal to a fresh index of the new input, row by row, vectors included.
        CliRun fresh = CliRun.of(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("fresh").toString(),
                "--sink",
                "pgvector",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "fresh",
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=0");
        assertThat(fresh.code()).isZero();
        assertThat(rows(TABLE)).isEqualTo(rows("fresh"));
        Map<String, float[]> mine = vectors(TABLE);
        Map<String, float[]> theirs = vectors("fresh");
        double worst = 1;
        for (String k : theirs.keySet()) {
            worst = Math.min(worst, Vectors.cosine(mine.get(k), theirs.get(k)));
        }
        System.out.printf("reindex e2e: %d rows equal to a fresh index; worst cosine %.8f%n", theirs.size(), worst);
        assertThat(worst).isGreaterThanOrEqualTo(0.99999);
    }

    @Test
    @Order(5)
    void anUnchangedRerunEmbedsNothingAndWritesNothing() throws Exception {
        Map<String, String> before = snapshot(TABLE);
        CliRun run = reindex(write("v2", v2), "--mode", "full-sync");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode s = summary(run);
        assertThat(s.get("chunks_embedded").asLong()).isZero();
        assertThat(s.get("unchanged").asLong()).isEqualTo(3000);
        assertThat(s.get("not_chunked").asLong())
                .as("every row records its document's hash: no document is tokenized again")
                .isEqualTo(3000);
        assertThat(s.get("hash_recorded").asLong()).isZero();
        assertThat(snapshot(TABLE)).isEqualTo(before);
    }

    @Test
    @Order(6)
    void aSecondRunOnTheSameTableExitsFourWhileTheFirstRuns() throws Exception {
        Map<String, String> v3 = new LinkedHashMap<>(v2);
        v3.keySet().stream().limit(300).toList().forEach(id -> v3.put(id, v2.get(id) + " Third version."));
        Path input = write("v3", v3);
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> FlinkEmbedCli.run(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                TABLE,
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "job.progress-interval=0"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lockHolders() == 0 && !first.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(lockHolders()).as("the first run holds the table's lock").isEqualTo(1);
        CliRun second = reindex(input);
        assertThat(second.code()).isEqualTo(4);
        assertThat(second.err()).contains("is being reindexed by another run");
        assertThat(first.get(5, TimeUnit.MINUTES)).isZero();
        assertThat(lockHolders()).as("released").isZero();
        v2 = v3;
        assertThat(tableAsExpected()).isEqualTo(expectedRows(v3));
    }

    @Test
    @Order(7)
    void aRunKilledHalfWayAndStartedAgainEndsAsACleanRunAndRedoesNothing() throws Exception {
        Map<String, String> v4 = new LinkedHashMap<>(v2);
        v4.keySet().stream().skip(500).limit(1000).toList().forEach(id -> v4.put(id, v2.get(id) + " Fourth version."));
        Set<String> toEmbed = chunksToEmbed(v2, v4);
        Path input = write("v4", v4);
        long since = System.currentTimeMillis();
        // The whole client with its local cluster in a process of its own, killed like kill -9.
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens"))
                .toList());
        cmd.addAll(List.of(
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                FlinkEmbedCli.class.getName(),
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                TABLE,
                "--output",
                dir.resolve("out").toString(),
                // 40 commits of 25 rows instead of 2 of 500: the batch job writes its table after embedding, and two
                // commits can land within one poll (seen once in CI: all 1,000 written before the kill).
                "--set",
                "pgvector.batch-size=25"));
        Process client = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed-client.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (writtenSince(since) < 100 && client.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        client.destroyForcibly().waitFor();
        // A commit the database had received before the kill completes on its own: read until the count holds still.
        long written = writtenSince(since);
        for (int same = 0; same < 3 && System.nanoTime() < deadline; ) {
            Thread.sleep(100);
            long now = writtenSince(since);
            same = now == written ? same + 1 : 0;
            written = now;
        }
        System.out.printf("reindex e2e: client killed after %d of %d chunks were written%n", written, toEmbed.size());
        assertThat(written).as("killed half-way").isGreaterThan(0).isLessThan(toEmbed.size());
        assertThat(lockHolders()).as("the killed run's lock is left behind").isEqualTo(1);

        CliRun again = reindex(input);
        assertThat(again.code()).as(again.err()).isZero();
        JsonNode s = summary(again);
        assertThat(s.get("chunks_embedded").asLong())
                .as("what was written before the kill is not embedded again")
                .isEqualTo(toEmbed.size() - written);
        assertThat(tableAsExpected()).isEqualTo(expectedRows(v4));
        assertThat(lockHolders()).isZero();
        assertVectorsAreTheModels(v4, toEmbed);
    }

    /** Rows written since {@code millis} that hold their final content (the chunks of the run under test). */
    static long writtenSince(long millis) throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + TABLE + " WHERE embedded_at >= to_timestamp("
                        + millis / 1000.0 + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long lockHolders() throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM flink_embed_locks WHERE name = 'reindex public." + TABLE + "'")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return 0;
        }
    }

    /**
     * A table written before rows had a document hash (the column dropped here, as such a table lacks it): the first
     * run adds the column and records the hash in every row without embedding or changing anything else; from then on
     * nothing is chunked. Other chunking options are seen as a change: nothing skipped.
     */
    @Test
    @Order(8)
    void aTableWithoutDocumentHashesGetsThemOnceAndIsNotChunkedAfter() throws Exception {
        Path input = write("v2", v2);
        assertThat(reindex(input, "--mode", "full-sync").code()).isZero();
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + TABLE + " DROP COLUMN document_hash");
        }
        Map<String, String> before = rows(TABLE);
        CliRun first = reindex(input, "--mode", "full-sync");
        assertThat(first.code()).as(first.err()).isZero();
        JsonNode s = summary(first);
        assertThat(s.get("chunks_embedded").asLong()).isZero();
        assertThat(s.get("lineage_updated").asLong()).isZero();
        assertThat(s.get("not_chunked").asLong()).isZero();
        assertThat(s.get("hash_recorded").asLong()).isEqualTo(before.size());
        assertThat(rows(TABLE)).as("vectors, text and lineage as they were").isEqualTo(before);
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + TABLE + " WHERE document_hash IS NULL")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }

        Map<String, String> snapshot = snapshot(TABLE);
        CliRun second = reindex(input, "--mode", "full-sync");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(summary(second).get("not_chunked").asLong()).isEqualTo(v2.size());
        assertThat(summary(second).get("hash_recorded").asLong()).isZero();
        assertThat(snapshot(TABLE)).isEqualTo(snapshot);

        CliRun otherOverlap = reindex(input, "--mode", "full-sync", "--dry-run", "--set", "chunking.overlap-tokens=8");
        assertThat(otherOverlap.code()).as(otherOverlap.err()).isZero();
        JsonNode o = summary(otherOverlap);
        assertThat(o.get("not_chunked").asLong()).isZero();
        assertThat(o.get("changed").asLong())
                .as("the multi-chunk documents are cut elsewhere")
                .isGreaterThan(0);
    }

    static Map<String, float[]> vectors(String table) throws Exception {
        Map<String, float[]> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, embedding::text FROM " + table)) {
            while (rs.next()) {
                out.put(rs.getString(1) + "#" + rs.getInt(2), PgliteServer.parseVector(rs.getString(3)));
            }
        }
        return out;
    }

    /** The vectors of (a sample of) the re-embedded chunks equal the model's own. */
    static void assertVectorsAreTheModels(Map<String, String> docs, Set<String> embedded) throws Exception {
        Map<String, Chunk> chunks = StreamExpectations.expectedChunks(CONFIG, docs);
        List<String> keys = embedded.stream()
                .map(k -> k.substring(0, k.indexOf(' ')))
                .sorted()
                .limit(200)
                .toList();
        Map<String, float[]> stored = vectors(TABLE);
        try (InProcessEmbeddingModel model = InProcessEmbeddingModel.open(Settings.model(CONFIG))) {
            var reference = model.embed(keys.stream()
                            .map(k -> EmbeddingInput.document(chunks.get(k).embedText))
                            .toList())
                    .embeddings();
            for (int i = 0; i < keys.size(); i++) {
                assertThat(Vectors.cosine(
                                stored.get(keys.get(i)), reference.get(i).vector()))
                        .as(keys.get(i))
                        .isGreaterThanOrEqualTo(0.99999);
            }
        }
    }
}
