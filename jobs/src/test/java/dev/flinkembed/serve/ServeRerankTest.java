package dev.flinkembed.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.runtime.InProcessScoringModel;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.remote.RemoteOptions;
import dev.flinkembed.runtime.remote.RemoteScorer;
import dev.flinkembed.runtime.remote.RerankApi;
import dev.flinkembed.runtime.remote.RerankServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --rerank-model}: the vLLM/Jina shape on {@code /v1/rerank} and TEI's on {@code /rerank}, beside the
 * embedding model, behind its key and limits — with the tiny Qwen3-Reranker, whose scores must be the independent
 * reference's (golden.json) — and a remote reranker served alone.
 */
class ServeRerankTest {

    static final Path FIXTURE = TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-reranker-tiny");
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> post(EmbeddingServer server, String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url().replace("/v1", "") + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bothShapesAnswerWithTheModelsScoresBesideTheEmbeddingModel() throws Exception {
        JsonNode golden = JSON.readTree(FIXTURE.resolve("golden.json").toFile());
        List<JsonNode> cases = new ArrayList<>();
        golden.get("cases").forEach(c -> {
            if (c.get("instruction").isNull() && c.get("max_tokens").isNull()) {
                cases.add(c);
            }
        });
        String query = "What is the capital of China?";
        List<JsonNode> sameQuery = cases.stream()
                .filter(c -> c.get("query").asText().equals(query))
                .toList();
        assertThat(sameQuery).hasSize(2);
        ServeOptions options = ServeOptions.builder(ModelOptions.defaults("builtin:all-minilm-l6-v2"), "minilm")
                .port(0)
                .apiKey("k3y")
                .maxInputsPerRequest(8)
                .build();
        try (EmbeddingServer server = EmbeddingServer.start(
                options,
                InProcessScoringModel.open(ModelOptions.defaults(FIXTURE.toString())),
                "qwen3-reranker-tiny")) {
            // The request of vLLM's and Jina's documentation, as curl sends it.
            ObjectNode request =
                    JSON.createObjectNode().put("model", "qwen3-reranker-tiny").put("query", query);
            ArrayNode docs = request.putArray("documents");
            sameQuery.forEach(c -> docs.add(c.get("document").asText()));
            HttpResponse<String> r = post(server, "/v1/rerank", request.toString(), "k3y");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode results = JSON.readTree(r.body()).get("results");
            assertThat(results).hasSize(2);
            assertThat(results.get(0).get("relevance_score").asDouble())
                    .isGreaterThanOrEqualTo(
                            results.get(1).get("relevance_score").asDouble());
            long tokens = 0;
            for (JsonNode result : results) {
                JsonNode c = sameQuery.get(result.get("index").asInt());
                assertThat(result.get("document").get("text").asText())
                        .isEqualTo(c.get("document").asText());
                assertThat(result.get("relevance_score").asDouble())
                        .isCloseTo(c.get("score").asDouble(), org.assertj.core.data.Offset.offset(2e-5));
                tokens += c.get("input_ids").size();
            }
            assertThat(JSON.readTree(r.body()).get("usage").get("total_tokens").asLong())
                    .isEqualTo(tokens);

            request.put("top_n", 1).put("return_documents", false);
            JsonNode top = JSON.readTree(post(server, "/v1/rerank", request.toString(), "k3y")
                            .body())
                    .get("results");
            assertThat(top).hasSize(1);
            assertThat(top.get(0).get("index").asInt())
                    .isEqualTo(results.get(0).get("index").asInt());
            assertThat(top.get(0).has("document")).isFalse();

            // TEI's shape on /rerank: a bare list, best first.
            ObjectNode tei = JSON.createObjectNode().put("query", query).put("return_text", true);
            tei.set("texts", docs);
            HttpResponse<String> t = post(server, "/rerank", tei.toString(), "k3y");
            assertThat(t.statusCode()).as(t.body()).isEqualTo(200);
            JsonNode ranks = JSON.readTree(t.body());
            assertThat(ranks.isArray()).isTrue();
            for (int i = 0; i < 2; i++) {
                assertThat(ranks.get(i).get("index").asInt())
                        .isEqualTo(results.get(i).get("index").asInt());
                assertThat(ranks.get(i).get("score").asDouble())
                        .isEqualTo(results.get(i).get("relevance_score").asDouble());
                assertThat(ranks.get(i).get("text").asText())
                        .isEqualTo(docs.get(ranks.get(i).get("index").asInt()).asText());
            }

            // vLLM's score API: one query against the documents, and pairs; scores in the request's order.
            ObjectNode score =
                    JSON.createObjectNode().put("model", "qwen3-reranker-tiny").put("text_1", query);
            score.set("text_2", docs);
            HttpResponse<String> oneToMany = post(server, "/v1/score", score.toString(), "k3y");
            assertThat(oneToMany.statusCode()).as(oneToMany.body()).isEqualTo(200);
            JsonNode data = JSON.readTree(oneToMany.body()).get("data");
            for (int i = 0; i < 2; i++) {
                assertThat(data.get(i).get("index").asInt()).isEqualTo(i);
                assertThat(data.get(i).get("object").asText()).isEqualTo("score");
                assertThat(data.get(i).get("score").asDouble())
                        .isCloseTo(sameQuery.get(i).get("score").asDouble(), org.assertj.core.data.Offset.offset(2e-5));
            }
            ArrayNode queries = JSON.createArrayNode();
            ArrayNode documents = JSON.createArrayNode();
            for (JsonNode c : cases) {
                queries.add(c.get("query").asText());
                documents.add(c.get("document").asText());
            }
            ObjectNode pairs = JSON.createObjectNode();
            pairs.set("text_1", queries);
            pairs.set("text_2", documents);
            JsonNode pairScores = JSON.readTree(
                            post(server, "/score", pairs.toString(), "k3y").body())
                    .get("data");
            assertThat(pairScores).hasSize(cases.size());
            for (int i = 0; i < cases.size(); i++) {
                assertThat(pairScores.get(i).get("score").asDouble())
                        .as(cases.get(i).get("query").asText())
                        .isCloseTo(cases.get(i).get("score").asDouble(), org.assertj.core.data.Offset.offset(2e-5));
            }
            pairs.set("text_1", JSON.createArrayNode().add("a").add("b"));
            HttpResponse<String> mismatched = post(server, "/v1/score", pairs.toString(), "k3y");
            assertThat(mismatched.statusCode()).isEqualTo(400);
            assertThat(mismatched.body()).contains("pairs of lists of the same length");

            // The same key, limits and model check as the embeddings; errors in each endpoint's own shape.
            assertThat(post(server, "/v1/rerank", request.toString(), null).statusCode())
                    .isEqualTo(401);
            HttpResponse<String> wrong = post(
                    server, "/v1/rerank", request.put("model", "bge-reranker").toString(), "k3y");
            assertThat(wrong.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(wrong.body()).get("error").get("message").asText())
                    .contains("this server reranks with `qwen3-reranker-tiny`");
            ArrayNode many = JSON.createArrayNode();
            for (int i = 0; i < 9; i++) {
                many.add("document " + i);
            }
            HttpResponse<String> tooMany = post(
                    server,
                    "/rerank",
                    JSON.createObjectNode().put("query", "q").set("texts", many).toString(),
                    "k3y");
            assertThat(tooMany.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(tooMany.body()).get("error_type").asText()).isEqualTo("validation");
            assertThat(JSON.readTree(tooMany.body()).get("error").asText()).contains("at most 8");

            // The embedding model is still served, and both are listed.
            HttpResponse<String> e = post(server, "/v1/embeddings", "{\"input\":\"hello\"}", "k3y");
            assertThat(e.statusCode()).isEqualTo(200);
            HttpResponse<String> models = HTTP.send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/models"))
                            .header("Authorization", "Bearer k3y")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(models.body()).contains("\"minilm\"", "\"qwen3-reranker-tiny\"");
            HttpResponse<String> metrics = HTTP.send(
                    HttpRequest.newBuilder(URI.create(server.url().replace("/v1", "") + "/metrics"))
                            .header("Authorization", "Bearer k3y")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body())
                    .contains("flink_embed_reranked_documents_total " + (6.0 + 2 + cases.size()))
                    .contains("endpoint=\"/v1/rerank\",status=\"401\"");
        }
    }

    @Test
    void aPairLongerThanTheLimitIsRefusedUnlessTruncationIsAsked() throws Exception {
        JsonNode truncated = null;
        for (JsonNode c : JSON.readTree(FIXTURE.resolve("golden.json").toFile()).get("cases")) {
            if (c.get("max_tokens").isNumber()) {
                truncated = c;
            }
        }
        ServeOptions options = ServeOptions.builder(null, null).port(0).build();
        try (EmbeddingServer server = EmbeddingServer.start(
                options,
                InProcessScoringModel.open(ModelOptions.builder(FIXTURE.toString())
                        .maxTokens(truncated.get("max_tokens").asInt())
                        .build()),
                "tiny")) {
            ObjectNode request =
                    JSON.createObjectNode().put("query", truncated.get("query").asText());
            request.putArray("documents").add(truncated.get("document").asText());
            HttpResponse<String> refused = post(server, "/v1/rerank", request.toString(), null);
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(refused.body()).contains("longer than the model's maximum context length of 64 tokens");
            HttpResponse<String> cut = post(
                    server,
                    "/v1/rerank",
                    request.put("truncate_prompt_tokens", 64).toString(),
                    null);
            assertThat(cut.statusCode()).as(cut.body()).isEqualTo(200);
            assertThat(JSON.readTree(cut.body())
                            .get("results")
                            .get(0)
                            .get("relevance_score")
                            .asDouble())
                    .isCloseTo(truncated.get("score").asDouble(), org.assertj.core.data.Offset.offset(2e-5));
            // No embedding model in this server.
            HttpResponse<String> none = post(server, "/v1/embeddings", "{\"input\":\"x\"}", null);
            assertThat(none.statusCode()).isEqualTo(404);
            assertThat(none.body()).contains("serves no embedding model");
        }
    }

    @Test
    void aRemoteRerankerIsServedInBothShapes() throws Exception {
        try (RerankServers tei = new RerankServers()) {
            RemoteScorer remote = new RemoteScorer(
                    RemoteOptions.builder(tei.url(), "BAAI/bge-reranker-v2-m3").build(),
                    RerankApi.TEI,
                    Function.identity(),
                    Function.identity());
            try (EmbeddingServer server = EmbeddingServer.start(
                    ServeOptions.builder(null, null).port(0).build(), remote, "bge-reranker-v2-m3")) {
                String body = "{\"model\":\"bge-reranker-v2-m3\",\"query\":\"capital of France\",\"documents\":"
                        + "[\"Berlin is in Germany\",\"Paris is the capital of France\"]}";
                HttpResponse<String> r = post(server, "/v1/rerank", body, null);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode results = JSON.readTree(r.body()).get("results");
                assertThat(results.get(0).get("index").asInt()).isEqualTo(1);
                assertThat(results.get(0).get("relevance_score").floatValue())
                        .isEqualTo(RerankServers.expected("capital of France", "Paris is the capital of France"));
                assertThat(tei.bodies.peek().get("texts")).hasSize(2);
            }
        }
    }
}
