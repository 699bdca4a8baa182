package dev.flinkembed.runtime.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.runtime.api.Score;
import dev.flinkembed.runtime.scoring.ChatTemplatePairs;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The remote scoring backend against each server shape ({@link RerankServers}): scores, splitting, retries, errors. */
class RemoteScorerTest {

    static RerankServers servers;
    static final String QUERY = "capital city of France";

    @BeforeAll
    static void start() throws Exception {
        servers = new RerankServers();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    static List<String> documents(int n) {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(
                    switch (i % 4) {
                        case 0 -> "Paris is the capital city of France " + i;
                        case 1 -> "a city in France " + i;
                        case 2 -> "the capital of Germany " + i;
                        default -> "nothing relevant " + i;
                    });
        }
        return docs;
    }

    static RemoteScorer scorer(RerankApi api) {
        return scorer(api, Function.identity(), Function.identity());
    }

    static RemoteScorer scorer(RerankApi api, Function<String, String> q, Function<String, String> d) {
        String url = api == RerankApi.VLLM || api == RerankApi.VLLM_SCORE ? servers.url() + "/v1" : servers.url();
        RemoteOptions options = RemoteOptions.builder(url, RerankServers.MODEL)
                .apiKeyEnv(api == RerankApi.COHERE ? RerankServers.KEY_ENV : null)
                .maxInputsPerRequest(RerankServers.TEI_MAX_BATCH)
                .retryBackoffMillis(10)
                .maxRetries(3)
                .build();
        return new RemoteScorer(options, api, q, d);
    }

    @ParameterizedTest
    @EnumSource(RerankApi.class)
    void everyShapeGivesEachDocumentItsScoreInTheDocumentsOrder(RerankApi api) {
        servers.bodies.clear();
        List<String> docs = documents(40);
        try (RemoteScorer scorer = scorer(api)) {
            List<Score> scores = scorer.score(QUERY, docs);
            assertThat(scores).hasSize(40);
            for (int i = 0; i < docs.size(); i++) {
                assertThat(scores.get(i).score()).as(docs.get(i)).isEqualTo(RerankServers.expected(QUERY, docs.get(i)));
            }
            assertThat(scorer.requests())
                    .as("40 documents, at most 32 a request")
                    .isEqualTo(2);
        }
        JsonNode body = servers.bodies.peek();
        switch (api) {
            case VLLM, COHERE ->
                assertThat(body.fieldNames()).toIterable().containsExactlyInAnyOrder("model", "query", "documents");
            case VLLM_SCORE ->
                assertThat(body.fieldNames()).toIterable().containsExactlyInAnyOrder("model", "text_1", "text_2");
            default ->
                assertThat(body.fieldNames())
                        .toIterable()
                        .containsExactlyInAnyOrder("query", "texts", "truncate", "raw_scores");
        }
    }

    @Test
    void teiRefusesMoreThanItsBatchLimitAndTheMessageSaysSo() {
        RemoteOptions options = RemoteOptions.builder(servers.url(), "unused")
                .maxInputsPerRequest(40)
                .build();
        try (RemoteScorer scorer = new RemoteScorer(options, RerankApi.TEI, Function.identity(), Function.identity())) {
            assertThatThrownBy(() -> scorer.score(QUERY, documents(40)))
                    .hasMessageContaining("HTTP 413")
                    .hasMessageContaining("batch size 40 > maximum allowed batch size 32")
                    .hasMessageContaining("documents 0..39");
        }
    }

    @Test
    void cohereRefusesAMissingKeyAndTheMessageNamesTheSetting() {
        RemoteOptions options = RemoteOptions.builder(servers.url(), "rerank-v3.5")
                .apiKeyEnv("FLINK_EMBED_TEST_UNSET_KEY")
                .build();
        try (RemoteScorer scorer =
                new RemoteScorer(options, RerankApi.COHERE, Function.identity(), Function.identity())) {
            assertThatThrownBy(() -> scorer.score(QUERY, documents(3)))
                    .hasMessageContaining("HTTP 401: invalid api token")
                    .hasMessageContaining("rerank.api-key-env");
        }
    }

    @ParameterizedTest
    @EnumSource(RerankApi.class)
    void overloadAndServerErrorsAreRetried(RerankApi api) {
        servers.failNext(
                1,
                new RerankServers.Failure(
                        429, "0", "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}"));
        servers.failNext(1, new RerankServers.Failure(503, null, ""));
        servers.failNext(1, new RerankServers.Failure(200, null, "{\"results\": [")); // cut off
        try (RemoteScorer scorer = scorer(api)) {
            List<Score> scores = scorer.score(QUERY, documents(4));
            assertThat(scores.get(0).score()).isEqualTo(1.0f);
            assertThat(scorer.retries()).isEqualTo(3);
        }
    }

    @Test
    void retriesStopAtTheLimitWithTheLastError() {
        servers.failNext(
                4,
                new RerankServers.Failure(
                        500,
                        null,
                        "{\"error\":{\"message\":\"EngineCore died\","
                                + "\"type\":\"InternalServerError\",\"param\":null,\"code\":500}}"));
        try (RemoteScorer scorer = scorer(RerankApi.VLLM)) {
            assertThatThrownBy(() -> scorer.score(QUERY, documents(2)))
                    .hasMessageContaining("after 3 retries")
                    .hasMessageContaining("EngineCore died");
        }
        servers.failures.clear();
    }

    @Test
    void vllmErrorsCarryTheServersMessage() {
        servers.failNext(
                1,
                new RerankServers.Failure(
                        400,
                        null,
                        "{\"error\":{\"message\":\"This model's maximum "
                                + "context length is 8192 tokens. However, you requested 9000 tokens in the input.\","
                                + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}}"));
        try (RemoteScorer scorer = scorer(RerankApi.VLLM)) {
            assertThatThrownBy(() -> scorer.score(QUERY, documents(2)))
                    .hasMessageContaining("HTTP 400: This model's maximum context length is 8192");
        }
        RemoteOptions wrongModel = RemoteOptions.builder(servers.url() + "/v1", "BAAI/bge-reranker-v2-m3")
                .build();
        try (RemoteScorer scorer =
                new RemoteScorer(wrongModel, RerankApi.VLLM, Function.identity(), Function.identity())) {
            assertThatThrownBy(() -> scorer.score(QUERY, documents(2)))
                    .hasMessageContaining("HTTP 404: The model `BAAI/bge-reranker-v2-m3` does not exist.")
                    .hasMessageContaining("rerank.model");
        }
    }

    @Test
    void qwen3RerankerOnVllmGetsTheModelCardsTemplateFromTheClient() {
        servers.bodies.clear();
        try (RemoteScorer scorer = scorer(
                RerankApi.VLLM, q -> ChatTemplatePairs.serverQuery(null, q), ChatTemplatePairs::serverDocument)) {
            scorer.score(QUERY, List.of("Paris"));
        }
        JsonNode body = servers.bodies.peek();
        assertThat(body.get("query").asText() + body.get("documents").get(0).asText())
                .isEqualTo(ChatTemplatePairs.PREFIX
                        + ChatTemplatePairs.body(null, QUERY, "Paris")
                        + ChatTemplatePairs.SUFFIX);
    }
}
