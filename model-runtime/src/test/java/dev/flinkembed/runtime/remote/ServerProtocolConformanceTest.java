package dev.flinkembed.runtime.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The remote client against the exact status codes, headers and bodies the real servers send, replayed:
 * <ul>
 *   <li>vLLM, OpenAI-compatible server: before v0.10 an error is {@code {"object":"error","message","type","param",
 *   "code"}} ({@code vllm/entrypoints/openai/protocol.py}, {@code class ErrorResponse}); from v0.10 it is
 *   {@code {"error":{"message","type","param","code"}}} (the same file, {@code ErrorInfo}); the API-key middleware
 *   answers 401 {@code {"error":"Unauthorized"}} ({@code vllm/entrypoints/openai/api_server.py}); a too-long input is
 *   400 BadRequestError "This model's maximum context length is N tokens..."; an unknown model 404 NotFoundError.</li>
 *   <li>Hugging Face TEI 1.x, {@code /v1/embeddings}: errors are {@code {"message","code","type"}}
 *   ({@code router/src/http/types.rs}, {@code OpenAICompatErrorResponse}) with the status of the error type
 *   ({@code router/src/http/server.rs}: validation 413, tokenizer 422, overloaded 429, backend 424, unhealthy 503);
 *   {@code --api-key} answers a bare 401 with an empty body (the axum middleware in {@code server.rs}).</li>
 *   <li>OpenAI's API reference: {@code {"error":{"message","type","param","code"}}}, 401 {@code invalid_api_key},
 *   403, 429 with Retry-After, 500, 503.</li>
 * </ul>
 * Each case asserts what the client does: retry (408, 429, 500, 503, an unreadable or partial 200), find and refuse the
 * one input the server cannot take (400, 413, 422, 424: a dead letter carrying the server's message, the other inputs
 * embedded), or fail naming the keys to check (401, 403, 404).
 */
class ServerProtocolConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOO_LONG = "TOO_LONG";

    /** What a server answers, once (a transient error then success) or for every request that holds the marker. */
    record Answer(int status, Map<String, String> headers, String body) {
        static Answer of(int status, String body) {
            return new Answer(status, Map.of("Content-Type", "application/json"), body);
        }
    }

    enum Kind {
        RETRY,
        REFUSE_ONE,
        FAIL
    }

    record Case(String name, Kind kind, Answer answer, String expectedMessage) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case(
                        "vLLM <0.10 400 context length",
                        Kind.REFUSE_ONE,
                        Answer.of(
                                400,
                                "{\"object\":\"error\","
                                        + "\"message\":\"This model's maximum context length is 512 tokens. However, you requested 700 "
                                        + "tokens in the input for embedding generation. Please reduce the length of the input.\","
                                        + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"),
                        "maximum context length is 512"),
                new Case(
                        "vLLM >=0.10 400 context length",
                        Kind.REFUSE_ONE,
                        Answer.of(
                                400,
                                "{\"error\":{\"message\":"
                                        + "\"This model's maximum context length is 512 tokens. However, you requested 700 tokens.\","
                                        + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}}"),
                        "maximum context length is 512"),
                new Case(
                        "TEI 413 validation",
                        Kind.REFUSE_ONE,
                        Answer.of(
                                413,
                                "{\"message\":\"Input validation error: "
                                        + "`inputs` must have less than 512 tokens. Given: 700\",\"code\":413,\"type\":\"validation\"}"),
                        "must have less than 512 tokens"),
                new Case(
                        "TEI 422 tokenizer",
                        Kind.REFUSE_ONE,
                        Answer.of(422, "{\"message\":\"Tokenization error\"," + "\"code\":422,\"type\":\"tokenizer\"}"),
                        "Tokenization error"),
                new Case(
                        "TEI 424 backend",
                        Kind.REFUSE_ONE,
                        Answer.of(424, "{\"message\":\"Inference failed\"," + "\"code\":424,\"type\":\"backend\"}"),
                        "Inference failed"),
                new Case(
                        "TEI 429 overloaded",
                        Kind.RETRY,
                        Answer.of(
                                429, "{\"message\":\"Model is overloaded\"," + "\"code\":429,\"type\":\"overloaded\"}"),
                        null),
                new Case(
                        "TEI 503 unhealthy",
                        Kind.RETRY,
                        Answer.of(503, "{\"message\":\"unhealthy\",\"code\":503," + "\"type\":\"unhealthy\"}"),
                        null),
                new Case(
                        "OpenAI 429 with Retry-After",
                        Kind.RETRY,
                        new Answer(
                                429,
                                Map.of("Content-Type", "application/json", "Retry-After", "1"),
                                "{\"error\":{\"message\":\"Rate limit reached\","
                                        + "\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"),
                        null),
                new Case(
                        "OpenAI 500",
                        Kind.RETRY,
                        Answer.of(
                                500,
                                "{\"error\":{\"message\":\"The server had an error "
                                        + "while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"),
                        null),
                new Case(
                        "vLLM 500 InternalServerError",
                        Kind.RETRY,
                        Answer.of(
                                500,
                                "{\"object\":\"error\",\"message\":"
                                        + "\"EngineCore encountered an issue.\",\"type\":\"InternalServerError\",\"param\":null,"
                                        + "\"code\":500}"),
                        null),
                new Case(
                        "408 request timeout",
                        Kind.RETRY,
                        Answer.of(408, "{\"error\":{\"message\":\"Request timed " + "out\",\"type\":\"timeout\"}}"),
                        null),
                new Case(
                        "partial 200 body",
                        Kind.RETRY,
                        Answer.of(
                                200,
                                "{\"object\":\"list\",\"data\":[{\"object\":"
                                        + "\"embedding\",\"index\":0,\"embedding\":[0.1,0."),
                        null),
                new Case(
                        "200 that is not JSON",
                        Kind.RETRY,
                        new Answer(
                                200, Map.of("Content-Type", "text/html"), "<html><body>502 Bad Gateway</body></html>"),
                        null),
                new Case(
                        "OpenAI 401 invalid_api_key",
                        Kind.FAIL,
                        Answer.of(
                                401,
                                "{\"error\":{\"message\":\"Incorrect "
                                        + "API key provided: sk-abc***xyz.\",\"type\":\"invalid_request_error\",\"param\":null,"
                                        + "\"code\":\"invalid_api_key\"}}"),
                        "Incorrect API key provided"),
                new Case("vLLM 401", Kind.FAIL, Answer.of(401, "{\"error\":\"Unauthorized\"}"), "Unauthorized"),
                new Case("TEI 401 empty body", Kind.FAIL, new Answer(401, Map.of(), ""), "HTTP 401"),
                new Case(
                        "OpenAI 403",
                        Kind.FAIL,
                        Answer.of(
                                403,
                                "{\"error\":{\"message\":\"You are not allowed to "
                                        + "sample from this model\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"),
                        "not allowed"),
                new Case(
                        "vLLM 404 model",
                        Kind.FAIL,
                        Answer.of(
                                404,
                                "{\"object\":\"error\",\"message\":\"The model "
                                        + "`bge-m3` does not exist.\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404}"),
                        "does not exist"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theClientDoesWhatTheAnswerCallsFor(Case c) throws Exception {
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger errorsSent = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/v1/embeddings", ex -> {
            requests.incrementAndGet();
            JsonNode in = JSON.readTree(ex.getRequestBody().readAllBytes()).get("input");
            boolean marked = false;
            for (JsonNode t : in) {
                marked |= t.asText().contains(TOO_LONG);
            }
            // RETRY and FAIL answer the first request; REFUSE_ONE every request holding the marked input.
            boolean error = c.kind() == Kind.REFUSE_ONE ? marked : c.kind() == Kind.FAIL || errorsSent.get() == 0;
            Answer a = error ? c.answer() : Answer.of(200, ok(in));
            if (error) {
                errorsSent.incrementAndGet();
            }
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        RemoteOptions options = RemoteOptions.builder(url, "m")
                .maxInputsPerRequest(8)
                .timeoutMillis(10_000)
                .maxRetries(3)
                .retryBackoffMillis(10)
                .maxBackoffMillis(50)
                .build();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            texts.add(i == 5 && c.kind() == Kind.REFUSE_ONE ? "text " + TOO_LONG : "text " + i);
        }
        try (RemoteEmbedder client = new RemoteEmbedder(options, EmbeddingInput::text, t -> 2, null, "conformance")) {
            List<CompletableFuture<Embedding>> futures = texts.stream()
                    .map(t -> client.submit(EmbeddingInput.document(t)))
                    .toList();
            switch (c.kind()) {
                case RETRY -> {
                    for (int i = 0; i < texts.size(); i++) {
                        assertThat(futures.get(i).get(30, TimeUnit.SECONDS).vector()[0])
                                .isEqualTo(i);
                    }
                    assertThat(client.retries()).isGreaterThanOrEqualTo(1);
                }
                case REFUSE_ONE -> {
                    for (int i = 0; i < texts.size(); i++) {
                        if (i == 5) {
                            assertThatThrownBy(() -> futures.get(5).get(30, TimeUnit.SECONDS))
                                    .isInstanceOf(ExecutionException.class)
                                    .hasCauseInstanceOf(InputRejectedException.class)
                                    .hasMessageContaining(c.expectedMessage());
                        } else {
                            futures.get(i).get(30, TimeUnit.SECONDS);
                        }
                    }
                }
                case FAIL -> {
                    assertThatThrownBy(() -> futures.get(0).get(30, TimeUnit.SECONDS))
                            .isInstanceOf(ExecutionException.class)
                            .hasCauseInstanceOf(RemoteException.class)
                            .hasMessageContaining(c.expectedMessage())
                            .hasMessageContaining("remote.api-key-env")
                            .hasMessageContaining("remote.model");
                    assertThat(requests.get())
                            .as("no retries into the same answer")
                            .isEqualTo(1);
                }
                default -> throw new IllegalStateException();
            }
        } finally {
            server.stop(0);
        }
    }

    /** A 200 whose vectors say which input they belong to: [position in the request's texts as "text N"]. */
    private static String ok(JsonNode in) {
        StringBuilder b = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < in.size(); i++) {
            String t = in.get(i).asText();
            float first = t.contains(TOO_LONG) ? 5 : Float.parseFloat(t.substring("text ".length()));
            b.append(i == 0 ? "" : ",")
                    .append("{\"object\":\"embedding\",\"index\":")
                    .append(i)
                    .append(",\"embedding\":[")
                    .append(first)
                    .append(",0.5]}");
        }
        return b.append("],\"model\":\"m\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}")
                .toString();
    }
}
