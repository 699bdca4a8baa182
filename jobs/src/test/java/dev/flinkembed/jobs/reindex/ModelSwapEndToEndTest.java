package dev.flinkembed.jobs.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model change of an index, blue/green, against a real PostgreSQL + pgvector (PGlite): indexed with the built-in
 * model, reindexed with a Qwen3-Embedding checkpoint while a reader polls the table's name; `versions`, a stream job
 * of the old set-up refused, `reindex --rollback`, and a rerun with the first model that embeds nothing.
 */
@Tag("e2e")
class ModelSwapEndToEndTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TABLE = "swap";

    @TempDir
    static Path dir;

    static PgliteServer pg;
    static KafkaBroker kafka;
    static Path input;
    static List<GenericRecord> docs;
    static String qwen3;

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
        kafka = KafkaBroker.start();
        docs = ParquetRows.head(TestCorpus.SAMPLE, 200);
        input = dir.resolve("docs.parquet");
        ParquetRows.write(input, docs);
        qwen3 = TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny")
                .toString();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) {
            pg.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static CliRun reindex(String... more) {
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

    static JsonNode lastJson(CliRun run) throws Exception {
        String[] lines = run.out().strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    /** What a reader of the table's name sees: the distinct fingerprints of all its rows, and how many rows. */
    static String observe() {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT string_agg(DISTINCT model_fingerprint, ','), count(*) FROM " + TABLE)) {
            rs.next();
            return rs.getString(1) + " " + rs.getLong(2);
        } catch (Exception e) {
            return "error " + e.getMessage();
        }
    }

    static String fingerprints() {
        return observe().split(" ")[0];
    }

    @Test
    void readersSeeOneModelAtATimeAndTheSwitchCanBeRolledBack() throws Exception {
        CliRun first = reindex();
        assertThat(first.code()).as(first.err()).isZero();
        String minilm = fingerprints();
        assertThat(minilm).doesNotContain(",");

        // A reader polls the table's name all through the model change.
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = new Thread(() -> {
            while (reading.get()) {
                seen.add(observe());
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        reader.start();
        CliRun swap = reindex("--model", qwen3);
        reading.set(false);
        reader.join();
        assertThat(swap.code()).as(swap.err()).isZero();
        assertThat(swap.out())
                .contains("Model change")
                .contains("Building version 2")
                .contains("Switched");
        JsonNode summary = lastJson(swap);
        assertThat(summary.get("switched").asBoolean()).isTrue();
        assertThat(summary.get("version").asInt()).isEqualTo(2);
        assertThat(summary.get("new").asLong()).isEqualTo(200);
        String qwen = fingerprints();
        assertThat(qwen).isNotEqualTo(minilm).doesNotContain(",");

        // Every observation shows exactly one model's vectors, all of the index: the old one, then the new one.
        int switchedAt = -1;
        for (int i = 0; i < seen.size(); i++) {
            String[] o = seen.get(i).split(" ");
            assertThat(o[0]).as("observation %d: %s", i, seen.get(i)).isIn(minilm, qwen);
            if (o[0].equals(qwen) && switchedAt < 0) {
                switchedAt = i;
            }
            if (switchedAt >= 0) {
                assertThat(o[0]).as("after the switch, observation %d", i).isEqualTo(qwen);
            }
        }
        System.out.printf(
                "model swap: a reader made %d observations, %d before the switch%n",
                seen.size(), switchedAt < 0 ? seen.size() : switchedAt);
        assertThat(seen.get(0).split(" ")[0])
                .as("readers saw the old model while the new version was built")
                .isEqualTo(minilm);

        CliRun versions = CliRun.of("versions", "--pg-url", pg.jdbcUrl(), "--table", TABLE);
        assertThat(versions.code()).isZero();
        String[] lines = versions.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines[0]).get("state").asText()).isEqualTo("previous");
        assertThat(JSON.readTree(lines[0]).get("fingerprint").asText()).isEqualTo(minilm);
        assertThat(JSON.readTree(lines[1]).get("state").asText()).isEqualTo("live");
        assertThat(JSON.readTree(lines[1]).get("model").asText()).isEqualTo(qwen3);
        assertThat(JSON.readTree(lines[1]).get("rows").asLong()).isGreaterThanOrEqualTo(200);

        CliRun search = CliRun.of(
                "search",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                TABLE,
                "--query",
                docs.get(5).get("text").toString(),
                "--k",
                "3");
        assertThat(search.code())
                .as("search finds the live version's model by itself: %s", search.err())
                .isZero();
        assertThat(search.out().strip().split("\n")).hasSize(3);

        // A stream job whose set-up differs from the live version (same size of vectors, another fingerprint) is
        // stopped at its first write, with the way out in the message; the table keeps only the live model.
        kafka.createTopic("changes", 1);
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            StreamExpectations.send(
                    p, "changes", "late-1", StreamExpectations.documentJson("late-1", "A late change."));
        }
        CliRun stream = CliRun.of(
                "stream",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "changes",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                TABLE,
                "--model",
                qwen3,
                "--set",
                "model.normalize=false",
                "--set",
                "job.checkpoint-interval=1s",
                "--set",
                "pgvector.flush-interval=200ms");
        assertThat(stream.code()).isEqualTo(1);
        assertThat(stream.err())
                .contains("is served by version 2")
                .contains("would mix two models")
                .contains("--model " + qwen3);
        assertThat(fingerprints()).isEqualTo(qwen);

        CliRun back = CliRun.of("reindex", "--rollback", "--pg-url", pg.jdbcUrl(), "--table", TABLE);
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(lastJson(back).get("version").asInt()).isEqualTo(1);
        assertThat(fingerprints()).isEqualTo(minilm);

        // Back on the first model, a rerun with it finds everything in place.
        CliRun rerun = reindex();
        assertThat(rerun.code()).as(rerun.err()).isZero();
        assertThat(lastJson(rerun).get("chunks_embedded").asLong()).isZero();
        assertThat(lastJson(rerun).get("switched").asBoolean()).isFalse();
    }

    /**
     * A stream job of the first model is running, writing into the table by its name, when a reindex switches the
     * table to a second model: the stream's next batch is refused inside its transaction (the registry rows read FOR
     * SHARE), the job stops with the reason (no restart loop), and the new version holds only the new model's vectors.
     */
    @Test
    void aSwitchWhileAStreamJobWritesStopsThatJobAndTheNewVersionHoldsOnlyTheNewModel() throws Exception {
        String table = "live_swap";
        CliRun first = CliRun.of(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                table,
                "--output",
                dir.resolve("live-out").toString(),
                "--set",
                "job.progress-interval=0");
        assertThat(first.code()).as(first.err()).isZero();
        kafka.createTopic("live-changes", 1);
        // FlinkEmbedCli.run, not CliRun (which captures the console for one command at a time): the reindex below runs
        // while this stream does; the stream's failure is read from the log.
        dev.flinkembed.jobs.poison.LogCapture logs = new dev.flinkembed.jobs.poison.LogCapture();
        java.util.concurrent.CompletableFuture<Integer> stream =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> dev.flinkembed.jobs.cli.FlinkEmbedCli.run(
                        "stream",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--topic",
                        "live-changes",
                        "--pg-url",
                        pg.jdbcUrl(),
                        "--table",
                        table,
                        "--set",
                        "job.checkpoint-interval=1s",
                        "--set",
                        "pgvector.flush-interval=200ms",
                        "--set",
                        "job.restart-attempts=3"));
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < 10; i++) {
                StreamExpectations.send(
                        p,
                        "live-changes",
                        "before-" + i,
                        StreamExpectations.documentJson(
                                "before-" + i, "A change made before the switch, number " + i + "."));
            }
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
        while (rows(table, "doc_id LIKE 'before-%'") < 10 && System.nanoTime() < deadline && !stream.isDone()) {
            Thread.sleep(200);
        }
        assertThat(rows(table, "doc_id LIKE 'before-%'"))
                .as("the stream writes into version 1")
                .isEqualTo(10);
        CliRun swap = CliRun.of(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                table,
                "--output",
                dir.resolve("live-out").toString(),
                "--set",
                "job.progress-interval=0",
                "--model",
                qwen3);
        assertThat(swap.code()).as(swap.err()).isZero();
        assertThat(swap.out()).contains("Switched");
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < 10; i++) {
                StreamExpectations.send(
                        p,
                        "live-changes",
                        "after-" + i,
                        StreamExpectations.documentJson(
                                "after-" + i, "A change made after the switch, number " + i + "."));
            }
        }
        int stopped;
        try (logs) {
            stopped = stream.get(3, java.util.concurrent.TimeUnit.MINUTES);
            assertThat(logs.text()).contains("is served by version 2").contains("would mix two models");
        }
        assertThat(stopped).as("the stream job's exit code").isEqualTo(1);
        String newVersion = table + "__v2";
        assertThat(rows(newVersion, "true")).as("version 2 holds the corpus").isGreaterThanOrEqualTo(200);
        assertThat(rows(
                        newVersion,
                        "model_fingerprint <> (SELECT fingerprint FROM flink_embed_versions WHERE name = '" + table
                                + "' AND state = 'live')"))
                .as("rows of another model in version 2")
                .isZero();
        assertThat(rows(newVersion, "doc_id LIKE 'after-%'"))
                .as("the old model's later changes")
                .isZero();
    }

    static long rows(String table, String where) {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table + " WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void aCheckpointWithAPerturbedWeightFailsItsGoldenCheckBeforeAnythingIsWritten() throws Exception {
        Path golden = dir.resolve("qwen3-golden.json");
        CliRun written = CliRun.of("golden", "--model", qwen3, "--output", golden.toString());
        assertThat(written.code()).as(written.err()).isZero();

        Path perturbed = java.nio.file.Files.createDirectories(dir.resolve("qwen3-perturbed"));
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")) {
            java.nio.file.Files.copy(Path.of(qwen3, f), perturbed.resolve(f));
        }
        overwriteTensor(perturbed.resolve("model.safetensors"), "model.layers.0.mlp.down_proj.weight");

        CliRun bad = CliRun.of(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "golden_checked",
                "--model",
                perturbed.toString(),
                "--set",
                "model.golden=" + golden,
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "job.progress-interval=0");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err())
                .contains("does not match its golden vectors (" + golden + ")")
                .contains("probe");
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM golden_checked")) {
            rs.next();
            assertThat(rs.getLong(1)).as("nothing written").isZero();
        }

        CliRun good = CliRun.of(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "golden_checked",
                "--model",
                qwen3,
                "--set",
                "model.golden=" + golden,
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "job.progress-interval=0");
        assertThat(good.code()).as(good.err()).isZero();
        assertThat(lastJson(good).get("new").asLong()).isEqualTo(200);
    }

    @Test
    void evaluateMeasuresATableAndAGateAboveItsScoreKeepsTheLiveVersion() throws Exception {
        // An evaluation set from the corpus itself: a query is the first sentence of a document, relevant: that one.
        StringBuilder queries = new StringBuilder();
        StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
        for (int i = 0; i < 200; i += 5) {
            String text = docs.get(i).get("text").toString();
            String first = text.split("\\. ")[0];
            queries.append(JSON.createObjectNode().put("_id", "q" + i).put("text", first))
                    .append('\n');
            qrels.append("q")
                    .append(i)
                    .append('\t')
                    .append(docs.get(i).get("id"))
                    .append("\t1\n");
        }
        Path q = java.nio.file.Files.writeString(dir.resolve("queries.jsonl"), queries);
        Path r = java.nio.file.Files.writeString(dir.resolve("qrels.tsv"), qrels);

        CliRun index = CliRun.of(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "gated",
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "job.progress-interval=0");
        assertThat(index.code()).as(index.err()).isZero();
        CliRun evaluate = CliRun.of(
                "evaluate",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "gated",
                "--queries",
                q.toString(),
                "--qrels",
                r.toString());
        assertThat(evaluate.code()).as(evaluate.err()).isZero();
        JsonNode scores = lastJson(evaluate);
        System.out.println("model swap: evaluate on the built-in model's table: " + scores);
        assertThat(scores.get("queries").asInt()).isEqualTo(40);
        double ndcg = scores.get("ndcg@10").asDouble();
        assertThat(ndcg).as("a document's own first sentence finds it").isGreaterThan(0.8);
        assertThat(scores.get("recall@100").asDouble())
                .isGreaterThanOrEqualTo(scores.get("recall@10").asDouble());

        String before = observeTable("gated");
        CliRun gated = CliRun.of(
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "gated",
                "--model",
                qwen3,
                "--eval-queries",
                q.toString(),
                "--eval-qrels",
                r.toString(),
                "--min-ndcg10",
                "0.999",
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "job.progress-interval=0");
        assertThat(gated.code()).as(gated.err()).isEqualTo(5);
        assertThat(gated.out()).contains("Evaluation of version 2");
        assertThat(gated.err()).contains("below reindex.min-ndcg10 = 0.999: not switched");
        assertThat(lastJson(gated).get("status").asText()).isEqualTo("gate-refused");
        assertThat(observeTable("gated")).as("readers keep the live version").isEqualTo(before);
        CliRun versions = CliRun.of("versions", "--pg-url", pg.jdbcUrl(), "--table", "gated");
        assertThat(versions.out()).contains("\"state\":\"live\"").contains("\"state\":\"building\"");
    }

    static String observeTable(String table) throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT string_agg(DISTINCT model_fingerprint, ','), count(*), "
                        + "max(embedded_at)::text FROM " + table)) {
            rs.next();
            return rs.getString(1) + " " + rs.getLong(2) + " " + rs.getString(3);
        }
    }

    /** Sets every value of a BF16 tensor of a safetensors file to 0.25 (a weight retrained, or corrupted). */
    static void overwriteTensor(Path file, String name) throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        long headerLength = java.nio.ByteBuffer.wrap(bytes, 0, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong();
        JsonNode header =
                JSON.readTree(new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8));
        JsonNode offsets = header.get(name).get("data_offsets");
        int start = (int) (8 + headerLength + offsets.get(0).asLong());
        int end = (int) (8 + headerLength + offsets.get(1).asLong());
        for (int i = start; i < end; i += 2) {
            bytes[i] = (byte) 0x80; // 0x3E80 little-endian: bfloat16 0.25
            bytes[i + 1] = (byte) 0x3E;
        }
        java.nio.file.Files.write(file, bytes);
    }
}
