package dev.flinkembed.jobs.stores;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.testing.ElasticsearchNode;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on Elasticsearch as users run them (`bulk`, `search`, `reindex`, `versions`, `--rollback`), against a
 * real node: the pgvector suites' scenarios, with the index read back by plain REST calls. Bulk is idempotent and its
 * vectors equal the Parquet bulk's; reindex of a corpus with edits, new and removed documents leaves the index equal
 * to the new corpus' chunks and an unchanged rerun embeds nothing; a model change builds version 2 beside the live
 * index while a reader polling the alias sees one model at a time, and rolls back.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ElasticsearchEndToEndTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final JobConfig CONFIG = JobConfig.defaults();
    static final String INDEX = "e2e-docs";
    static final int DOCS = 160;
    /** Documents edited, removed and added between the two corpora. */
    static final int CHANGES = 8;

    @TempDir
    static Path dir;

    static ElasticsearchNode es;
    static Map<String, String> v1 = new LinkedHashMap<>();
    static Map<String, String> v2;
    static String qwen3;

    @BeforeAll
    static void start() throws Exception {
        es = ElasticsearchNode.shared();
        for (GenericRecord r : ParquetRows.head(TestCorpus.SAMPLE, DOCS)) {
            v1.put(r.get("id").toString(), r.get("text").toString());
        }
        v2 = new LinkedHashMap<>(v1);
        List<String> ids = new ArrayList<>(v1.keySet());
        for (int i = 0; i < CHANGES; i++) {
            v2.put(ids.get(i * 7), v1.get(ids.get(i * 7)) + " See the updated notes."); // edited
            v2.remove(ids.get(ids.size() - 1 - i)); // removed
            v2.put("new-" + i, v1.get(ids.get(i * 5 + 1)) + " A new package, number " + i + "."); // new
        }
        qwen3 = TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny")
                .toString();
    }

    static List<String> esArgs(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--es-url", es.url()));
        return all;
    }

    static CliRun run(List<String> args) {
        return CliRun.of(args.toArray(String[]::new));
    }

    static CliRun bulk(Path input, String index) {
        List<String> a = esArgs("bulk", "--input", input.toString(), "--index", index, "--parallelism", "2");
        a.addAll(List.of("--output", dir.resolve("out-" + index).toString(), "--set", "job.progress-interval=0"));
        a.addAll(List.of("--set", "elasticsearch.replicas=0"));
        return run(a);
    }

    static CliRun reindex(Path input, String... more) {
        List<String> a = esArgs("reindex", "--input", input.toString(), "--index", INDEX, "--parallelism", "2");
        a.addAll(List.of("--output", dir.resolve("out-reindex").toString(), "--set", "job.progress-interval=0"));
        a.addAll(List.of("--set", "elasticsearch.replicas=0"));
        a.addAll(List.of(more));
        return run(a);
    }

    static JsonNode summary(CliRun run) throws Exception {
        String[] lines = run.out().strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    static Path write(String name, Map<String, String> docs) throws Exception {
        return TestCorpus.writeDocuments(dir.resolve(name + ".parquet"), docs);
    }

    @Test
    @Order(1)
    void bulkTwiceHoldsEachChunkOnceWithTheParquetJobsVectors() throws Exception {
        Path input = write("v1", v1);
        CliRun first = bulk(input, "e2e-bulk");
        assertThat(first.code()).as(first.err()).isZero();
        Map<String, String> expected = StreamExpectations.texts(StreamExpectations.expectedChunks(CONFIG, v1));
        assertThat(IndexContents.texts(es, "e2e-bulk")).isEqualTo(expected);
        Map<String, float[]> once = IndexContents.vectors(es, "e2e-bulk");

        CliRun again = bulk(input, "e2e-bulk");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(IndexContents.texts(es, "e2e-bulk")).isEqualTo(expected);
        assertThat(IndexContents.count(es, "e2e-bulk")).isEqualTo(expected.size());

        // The same corpus through the Parquet sink, read back by an independent reader: the same vectors.
        CliRun parquet = CliRun.of(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("parquet").toString(),
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=0");
        assertThat(parquet.code()).as(parquet.err()).isZero();
        double worst = 1;
        int compared = 0;
        for (GenericRecord r : ParquetRows.readAll(dir.resolve("parquet").resolve("vectors"))) {
            String key = r.get("doc_id") + "#" + r.get("chunk_index");
            @SuppressWarnings("unchecked")
            List<Float> v = (List<Float>) r.get("embedding");
            float[] f = new float[v.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = v.get(i);
            }
            worst = Math.min(worst, Vectors.cosine(once.get(key), f));
            compared++;
        }
        System.out.printf("elasticsearch e2e: %d chunks, worst cosine to the Parquet job's %.8f%n", compared, worst);
        assertThat(compared).isEqualTo(expected.size());
        assertThat(worst).isGreaterThanOrEqualTo(0.99999);
    }

    @Test
    @Order(2)
    void searchFindsADocumentByItsOwnText() throws Exception {
        String id = new ArrayList<>(v1.keySet()).get(42);
        CliRun search = run(esArgs("search", "--index", "e2e-bulk", "--query", v1.get(id), "--k", "3"));
        assertThat(search.code()).as(search.err()).isZero();
        JsonNode best = JSON.readTree(search.out().strip().split("\n")[0]);
        assertThat(best.get("doc_id").asText()).isEqualTo(id);
        assertThat(best.get("score").asDouble()).isGreaterThan(0.9);
    }

    @Test
    @Order(3)
    void reindexKeepsTheIndexEqualToTheCorpusAndAnUnchangedRerunEmbedsNothing() throws Exception {
        CliRun first = reindex(write("r1", v1));
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(summary(first).get("new").asLong()).isEqualTo(v1.size());

        Path input = write("r2", v2);
        CliRun sync = reindex(input, "--mode", "full-sync", "--max-delete-fraction", "0.1");
        assertThat(sync.code()).as(sync.err()).isZero();
        JsonNode s = summary(sync);
        System.out.println("elasticsearch e2e reindex: " + s);
        assertThat(s.get("changed").asLong()).isEqualTo(CHANGES);
        assertThat(s.get("new").asLong()).isEqualTo(CHANGES);
        assertThat(s.get("deleted").asLong()).isEqualTo(CHANGES);
        assertThat(s.get("chunks_embedded").asLong())
                .isEqualTo(StreamExpectations.chunksToEmbed(CONFIG, v1, v2).size());
        assertThat(IndexContents.texts(es, INDEX))
                .isEqualTo(StreamExpectations.texts(StreamExpectations.expectedChunks(CONFIG, v2)));

        CliRun rerun = reindex(input, "--mode", "full-sync");
        assertThat(rerun.code()).as(rerun.err()).isZero();
        assertThat(summary(rerun).get("chunks_embedded").asLong()).isZero();
        assertThat(summary(rerun).get("deleted").asLong()).isZero();
        assertThat(summary(rerun).get("not_chunked").asLong())
                .as("each chunk records its document's hash: nothing is tokenized again")
                .isEqualTo(v2.size());
    }

    @Test
    @Order(4)
    void aModelChangeIsSeenOneModelAtATimeThroughTheAliasAndRollsBack() throws Exception {
        Path input = dir.resolve("r2.parquet");
        String minilm = IndexContents.fingerprints(es, INDEX).split(" ")[0];
        assertThat(minilm).doesNotContain(",");
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = new Thread(() -> {
            while (reading.get()) {
                seen.add(IndexContents.fingerprints(es, INDEX));
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        reader.start();
        CliRun swap = reindex(input, "--model", qwen3);
        reading.set(false);
        reader.join();
        assertThat(swap.code()).as(swap.err()).isZero();
        JsonNode s = summary(swap);
        assertThat(s.get("switched").asBoolean()).isTrue();
        assertThat(s.get("version").asInt()).isEqualTo(2);
        String qwen = IndexContents.fingerprints(es, INDEX).split(" ")[0];
        assertThat(qwen).isNotEqualTo(minilm).doesNotContain(",");
        int switchedAt = -1;
        for (int i = 0; i < seen.size(); i++) {
            String f = seen.get(i).split(" ")[0];
            assertThat(f).as("observation %d: %s", i, seen.get(i)).isIn(minilm, qwen);
            if (f.equals(qwen) && switchedAt < 0) {
                switchedAt = i;
            }
            if (switchedAt >= 0) {
                assertThat(f).as("after the switch, observation %d", i).isEqualTo(qwen);
            }
        }
        System.out.printf(
                "elasticsearch model swap: a reader made %d observations, %d before the switch%n",
                seen.size(), switchedAt < 0 ? seen.size() : switchedAt);
        assertThat(seen.get(0)).startsWith(minilm + " ");

        CliRun versions = run(esArgs("versions", "--index", INDEX));
        assertThat(versions.code()).as(versions.err()).isZero();
        String[] lines = versions.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines[0]).get("state").asText()).isEqualTo("previous");
        assertThat(JSON.readTree(lines[0]).get("physical").asText()).isEqualTo(INDEX + "__v1");
        assertThat(JSON.readTree(lines[1]).get("state").asText()).isEqualTo("live");
        assertThat(JSON.readTree(lines[1]).get("model").asText()).isEqualTo(qwen3);

        CliRun search = run(esArgs("search", "--index", INDEX, "--query", v2.get("new-3"), "--k", "3"));
        assertThat(search.code())
                .as("search finds the live version's model by itself: %s", search.err())
                .isZero();
        for (String line : search.out().strip().split("\n")) { // the fixture's random weights rank nothing well
            assertThat(v2).containsKey(JSON.readTree(line).get("doc_id").asText());
        }
        assertThat(search.out().strip().split("\n")).hasSize(3);

        CliRun back = run(esArgs("reindex", "--rollback", "--index", INDEX));
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(IndexContents.fingerprints(es, INDEX)).startsWith(minilm + " ");
        CliRun unchanged = reindex(input);
        assertThat(unchanged.code()).as(unchanged.err()).isZero();
        assertThat(summary(unchanged).get("chunks_embedded").asLong())
                .as("the first model's version is whole again after the rollback")
                .isZero();
    }

    @Test
    @Order(5)
    void evaluateMeasuresTheIndexAndAGateAboveItsScoreKeepsTheLiveVersion() throws Exception {
        // An evaluation set from the corpus itself: a query is the first sentence of a document, relevant: that one.
        StringBuilder queries = new StringBuilder();
        StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
        List<String> ids = new ArrayList<>(v1.keySet());
        for (int i = 0; i < ids.size(); i += 10) {
            String first = v1.get(ids.get(i)).split("\\. ")[0];
            queries.append(JSON.createObjectNode().put("_id", "q" + i).put("text", first))
                    .append('\n');
            qrels.append("q").append(i).append('\t').append(ids.get(i)).append("\t1\n");
        }
        Path q = java.nio.file.Files.writeString(dir.resolve("queries.jsonl"), queries);
        Path r = java.nio.file.Files.writeString(dir.resolve("qrels.tsv"), qrels);
        CliRun evaluate =
                run(esArgs("evaluate", "--index", "e2e-bulk", "--queries", q.toString(), "--qrels", r.toString()));
        assertThat(evaluate.code()).as(evaluate.err()).isZero();
        JsonNode scores = summary(evaluate);
        System.out.println("elasticsearch e2e: evaluate on the built-in model's index: " + scores);
        assertThat(scores.get("queries").asInt()).isEqualTo((ids.size() + 9) / 10);
        assertThat(scores.get("ndcg@10").asDouble())
                .as("a document's own first sentence finds it")
                .isGreaterThan(0.8);

        // A model change of the plain index: adopted as version 1 behind the alias, version 2 built and evaluated,
        // refused by the gate; readers of the name see the same chunks throughout.
        String before = IndexContents.fingerprints(es, "e2e-bulk");
        Map<String, String> texts = IndexContents.texts(es, "e2e-bulk");
        List<String> a = esArgs("reindex", "--input", dir.resolve("v1.parquet").toString(), "--index", "e2e-bulk");
        a.addAll(List.of("--model", qwen3, "--eval-queries", q.toString(), "--eval-qrels", r.toString()));
        a.addAll(List.of(
                "--min-ndcg10", "0.999", "--output", dir.resolve("out-gated").toString()));
        a.addAll(List.of("--set", "job.progress-interval=0", "--set", "elasticsearch.replicas=0"));
        CliRun gated = run(a);
        assertThat(gated.code()).as(gated.err()).isEqualTo(5);
        assertThat(gated.err()).contains("below reindex.min-ndcg10 = 0.999: not switched");
        assertThat(summary(gated).get("status").asText()).isEqualTo("gate-refused");
        assertThat(IndexContents.fingerprints(es, "e2e-bulk")).isEqualTo(before);
        assertThat(IndexContents.texts(es, "e2e-bulk")).isEqualTo(texts);
        CliRun versions = run(esArgs("versions", "--index", "e2e-bulk"));
        assertThat(versions.out())
                .contains("\"state\":\"live\"")
                .contains("\"physical\":\"e2e-bulk__v1\"")
                .contains("\"state\":\"building\"");
    }
}
