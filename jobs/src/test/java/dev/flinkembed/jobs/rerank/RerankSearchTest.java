package dev.flinkembed.jobs.rerank;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.InProcessScoringModel;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.remote.RerankServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two-stage search and evaluation on a real pgvector (PGlite): {@code search --rerank} and {@code evaluate --rerank}
 * with the in-process Qwen3-Reranker fixture and with a remote (TEI-shaped) scoring server.
 */
@Tag("e2e")
class RerankSearchTest {

    static final Path RERANKER = TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-reranker-tiny");
    static final ObjectMapper JSON = new ObjectMapper();

    static PgliteServer pg;
    static RerankServers remote;
    static List<GenericRecord> docs;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
        remote = new RerankServers();
        docs = ParquetRows.head(TestCorpus.SAMPLE, 200);
        Path input = dir.resolve("docs.parquet");
        ParquetRows.write(input, docs);
        CliRun bulk = CliRun.of(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("out").toString(),
                "--sink",
                "pgvector",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "debian");
        assertThat(bulk.code()).as(bulk.err()).isZero();
    }

    @AfterAll
    static void stop() {
        if (remote != null) {
            remote.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    static List<JsonNode> lines(CliRun run) throws Exception {
        assertThat(run.code()).as(run.err()).isZero();
        List<JsonNode> out = new ArrayList<>();
        for (String l : run.out().lines().filter(l -> l.startsWith("{")).toList()) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    static CliRun search(String query, String... more) {
        List<String> args =
                new ArrayList<>(List.of("search", "--pg-url", pg.jdbcUrl(), "--table", "debian", "--query", query));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void searchRerankScoresTheVectorCandidatesAndPrintsBothScores() throws Exception {
        String query = docs.get(7).get("text").toString().split("\\. ")[0];
        List<JsonNode> first = lines(search(query, "--k", "20"));
        List<JsonNode> reranked =
                lines(search(query, "--k", "5", "--rerank", RERANKER.toString(), "--candidates", "20"));
        assertThat(reranked).hasSize(5);
        try (InProcessScoringModel model = InProcessScoringModel.open(ModelOptions.defaults(RERANKER.toString()))) {
            double previous = Double.MAX_VALUE;
            for (int i = 0; i < reranked.size(); i++) {
                JsonNode line = reranked.get(i);
                assertThat(line.get("rank").asInt()).isEqualTo(i + 1);
                // The first stage's rank and score are those of plain search: the candidates are its top 20.
                JsonNode candidate = first.get(line.get("vector_rank").asInt() - 1);
                assertThat(line.get("doc_id").asText())
                        .isEqualTo(candidate.get("doc_id").asText());
                assertThat(line.get("chunk_index").asInt())
                        .isEqualTo(candidate.get("chunk_index").asInt());
                assertThat(line.get("vector_score").asDouble())
                        .isEqualTo(candidate.get("score").asDouble());
                // The score is the reranker's for this query and chunk, best first.
                double score = line.get("score").asDouble();
                assertThat(score)
                        .isCloseTo(
                                model.score(query, List.of(line.get("text").asText()))
                                        .get(0)
                                        .score(),
                                org.assertj.core.data.Offset.offset(1e-6));
                assertThat(score).isLessThanOrEqualTo(previous);
                previous = score;
            }
            // The best of all 20 candidates comes first.
            double best = 0;
            for (JsonNode c : first) {
                best = Math.max(
                        best,
                        model.score(query, List.of(c.get("text").asText()))
                                .get(0)
                                .score());
            }
            assertThat(reranked.get(0).get("score").asDouble())
                    .isCloseTo(best, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void aRemoteRerankerThroughTheSetKeys() throws Exception {
        String query = "library for network packets";
        List<JsonNode> reranked = lines(search(
                query,
                "--k",
                "3",
                "--rerank",
                "BAAI/bge-reranker-v2-m3",
                "--candidates",
                "30",
                "--set",
                "rerank.url=" + remote.url(),
                "--set",
                "rerank.api=tei"));
        assertThat(reranked).hasSize(3);
        for (JsonNode line : reranked) {
            assertThat(line.get("score").floatValue())
                    .isEqualTo(RerankServers.expected(query, line.get("text").asText()));
        }
        assertThat(remote.bodies.stream().anyMatch(b -> b.get("query").asText().equals(query)))
                .isTrue();
    }

    @Test
    void evaluateReportsBothStagesSideBySide() throws Exception {
        StringBuilder queries = new StringBuilder();
        StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
        for (int i = 0; i < 200; i += 10) {
            String firstSentence = docs.get(i).get("text").toString().split("\\. ")[0];
            queries.append(JSON.createObjectNode().put("_id", "q" + i).put("text", firstSentence))
                    .append('\n');
            qrels.append("q")
                    .append(i)
                    .append('\t')
                    .append(docs.get(i).get("id"))
                    .append("\t1\n");
        }
        Path q = Files.writeString(dir.resolve("queries.jsonl"), queries);
        Path r = Files.writeString(dir.resolve("qrels.tsv"), qrels);
        for (String[] reranker : new String[][] {
            {"--rerank", RERANKER.toString()},
            {"--rerank", "word-overlap", "--set", "rerank.url=" + remote.url(), "--set", "rerank.api=tei"}
        }) {
            List<String> args = new ArrayList<>(List.of(
                    "evaluate",
                    "--pg-url",
                    pg.jdbcUrl(),
                    "--table",
                    "debian",
                    "--queries",
                    q.toString(),
                    "--qrels",
                    r.toString(),
                    "--candidates",
                    "10"));
            args.addAll(List.of(reranker));
            List<JsonNode> out = lines(CliRun.of(args.toArray(String[]::new)));
            JsonNode result = out.get(out.size() - 1);
            System.out.println("evaluate --rerank " + reranker[1] + ": " + result);
            assertThat(result.get("queries").asInt()).isEqualTo(20);
            JsonNode second = result.get("rerank");
            assertThat(second.get("queries").asInt()).isEqualTo(20);
            assertThat(second.get("candidates").asInt()).isEqualTo(10);
            assertThat(second.get("model").asText()).isEqualTo(reranker[1]);
            // Reranking reorders within the first 10 chunks: recall@100 cannot change.
            assertThat(second.get("recall@100").asDouble())
                    .isEqualTo(result.get("recall@100").asDouble());
        }
    }

    @Test
    void rerankMistakesAreNamedBeforeAnythingRuns() {
        CliRun missing = search("q", "--rerank", dir.resolve("no-such-folder").toString());
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("rerank.model").contains("no-such-folder");
        CliRun badApi =
                search("q", "--rerank", "m", "--set", "rerank.url=http://localhost:1", "--set", "rerank.api=jina");
        assertThat(badApi.code()).isNotZero();
        assertThat(badApi.err()).contains("rerank.api").contains("jina").contains("vllm-score");
    }
}
