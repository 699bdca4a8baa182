package dev.flinkembed.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.remote.EmbeddingsProtocol;
import dev.flinkembed.runtime.remote.RemoteEmbedder;
import dev.flinkembed.runtime.remote.RemoteOptions;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code serve} with the built-in model, spoken to over HTTP by our client, a raw client and LangChain4j's. */
class EmbeddingServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The seed example of the issue, verbatim. */
    private static final String SEED = "{\"input\": [\"The capital of China is Beijing.\", \"Gravity is a force that "
            + "attracts two bodies towards each other. It gives weight to physical objects and is responsible for the "
            + "movement of planets around the sun.\"]}";

    static EmbeddingServer server;
    static EmbeddingServer tiny; // a server with a tiny queue, to see it push back
    static InProcessEmbeddingModel reference;
    static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        ModelOptions model = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        server = EmbeddingServer.start(ServeOptions.builder(model, "all-minilm-l6-v2")
                .port(0)
                .maxInputsPerRequest(8)
                .threads(16)
                .build());
        tiny = EmbeddingServer.start(ServeOptions.builder(model, "all-minilm-l6-v2")
                .port(0)
                .maxQueuedInputs(2)
                .maxInputsPerRequest(8)
                .threads(4)
                .build());
        reference = InProcessEmbeddingModel.open(model);
    }

    @AfterAll
    static void stop() {
        server.close();
        tiny.close();
        reference.close();
    }

    static HttpResponse<String> post(EmbeddingServer s, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(s.url() + "/embeddings"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static float[] inProcess(String text) {
        return reference
                .embed(List.of(EmbeddingInput.document(text)))
                .embeddings()
                .get(0)
                .vector();
    }

    @Test
    void theSeedExampleWorksVerbatim() throws Exception {
        HttpResponse<String> r = post(server, SEED);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("model").asText()).isEqualTo("all-minilm-l6-v2");
        assertThat(body.get("data")).hasSize(2);
        JsonNode inputs = JSON.readTree(SEED).get("input");
        for (int i = 0; i < 2; i++) {
            JsonNode item = body.get("data").get(i);
            assertThat(item.get("index").asInt()).isEqualTo(i);
            assertThat(item.get("object").asText()).isEqualTo("embedding");
            float[] v = EmbeddingsProtocol.parseResponse(r.body().getBytes(), 2)[i];
            assertThat(v).hasSize(384);
            assertThat(Vectors.cosine(v, inProcess(inputs.get(i).asText()))).isGreaterThan(0.99999);
        }
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isGreaterThan(20);
        assertThat(body.get("usage").get("total_tokens").asInt())
                .isEqualTo(body.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void aStringInputBase64AndDimensions() throws Exception {
        String text = "Flink checkpoints keep the async queue.";
        JsonNode plain = JSON.readTree(post(server, "{\"input\": \"" + text + "\", \"model\": \"all-minilm-l6-v2\"}")
                .body());
        JsonNode b64 = JSON.readTree(post(server, "{\"input\": \"" + text + "\", \"encoding_format\": \"base64\"}")
                .body());
        float[] fromB64 = EmbeddingsProtocol.decodeBase64(
                b64.get("data").get(0).get("embedding").asText());
        float[] fromFloats = EmbeddingsProtocol.parseResponse(plain.toString().getBytes(), 1)[0];
        assertThat(fromB64).containsExactly(fromFloats);
        JsonNode small = JSON.readTree(post(server, "{\"input\": [\"" + text + "\"], \"dimensions\": 64}")
                .body());
        float[] v = EmbeddingsProtocol.parseResponse(small.toString().getBytes(), 1)[0];
        assertThat(v).hasSize(64);
        assertThat(Vectors.norm(v)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(Vectors.cosine(v, Vectors.finish(inProcess(text), 64, true))).isGreaterThan(0.99999);
    }

    @Test
    void badRequestsGet400WithAMessage() throws Exception {
        String tooLong = "word ".repeat(400);
        String[][] cases = {
            {"{\"input\": [\"a\", ", "malformed JSON"},
            {"{\"input\": []}", "'input' is empty"},
            {"{\"input\": \"\"}", "input 0 is an empty string"},
            {"{}", "'input' is required"},
            {"{\"input\": [[101, 2023]]}", "token ids"},
            {
                "{\"input\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}",
                "more than 8 inputs in one request; at most 8"
            },
            {"{\"input\": \"" + tooLong + "\"}", "longer than the model's maximum context length of 256 tokens"},
            {"{\"input\": \"x\", \"dimensions\": 1000}", "'dimensions' must be an integer from 1 to 384"},
            {"{\"input\": \"x\", \"encoding_format\": \"int8\"}", "must be float or base64"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post(server, c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertThat(error.get("message").asText()).as(c[0]).contains(c[1]);
            assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        }
        HttpResponse<String> wrongModel = post(server, "{\"input\": \"x\", \"model\": \"text-embedding-3-small\"}");
        assertThat(wrongModel.statusCode()).isEqualTo(404);
        assertThat(wrongModel.body()).contains("text-embedding-3-small").contains("all-minilm-l6-v2");
        assertThat(get(server.url() + "/embeddings").statusCode()).isEqualTo(405);
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndTheServerStaysUp() throws Exception {
        HttpResponse<String> r = post(tiny, "{\"input\": [\"a\", \"b\", \"c\"]}");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(JSON.readTree(r.body()).get("error").get("message").asText()).contains("busy");
        // Many concurrent requests against a queue of 2 and 4 threads: some are turned away (429 when the queue is
        // full, 503 when every thread is busy, both with Retry-After), none fail otherwise, all answered.
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            calls.add(HTTP.sendAsync(
                    HttpRequest.newBuilder(URI.create(tiny.url() + "/embeddings"))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"input\": \"request " + i + " " + "text ".repeat(50) + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        int busy = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            HttpResponse<String> response = c.get(60, TimeUnit.SECONDS);
            int status = response.statusCode();
            assertThat(status).isIn(200, 429, 503);
            if (status != 200) {
                assertThat(response.headers().firstValue("Retry-After"))
                        .as("turned away: when to retry")
                        .isPresent();
            }
            ok += status == 200 ? 1 : 0;
            busy += status != 200 ? 1 : 0;
        }
        assertThat(ok).isPositive();
        assertThat(ok + busy).isEqualTo(40);
        assertThat(get(tiny.url().replace("/v1", "") + "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void modelsHealthAndMetrics() throws Exception {
        JsonNode models = JSON.readTree(get(server.url() + "/models").body());
        assertThat(models.get("data").get(0).get("id").asText()).isEqualTo("all-minilm-l6-v2");
        assertThat(models.get("data").get(0).get("object").asText()).isEqualTo("model");
        String base = server.url().replace("/v1", "");
        assertThat(get(base + "/health").body()).isEqualTo("{\"status\":\"ok\"}");
        post(server, "{\"input\": \"metrics please\"}");
        HttpResponse<String> metrics = get(base + "/metrics");
        assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.body())
                .contains("# TYPE flink_embed_requests_total counter")
                .contains("flink_embed_requests_total{endpoint=\"/v1/embeddings\",status=\"200\"}")
                .contains("flink_embed_inputs_total")
                .contains("flink_embed_request_duration_seconds_bucket{le=\"+Inf\"}");
    }

    @Test
    void langChain4jsOpenAiClientGetsTheInProcessVectors() {
        OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder()
                .baseUrl(server.url())
                .apiKey("not-needed")
                .modelName("all-minilm-l6-v2")
                .build();
        List<String> texts = List.of(
                "The capital of China is Beijing.",
                "Kafka keeps the documents in order.",
                "pgvector stores vectors in PostgreSQL.");
        var response = client.embedAll(texts.stream().map(TextSegment::from).toList());
        assertThat(response.content()).hasSize(3);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(Vectors.cosine(response.content().get(i).vector(), inProcess(texts.get(i))))
                    .isGreaterThan(0.99999);
        }
        assertThat(response.tokenUsage().inputTokenCount()).isPositive();
    }

    @Test
    void theRemoteBackendAgainstServeGivesTheInProcessVectors() throws Exception {
        RemoteOptions o = RemoteOptions.builder(server.url(), "all-minilm-l6-v2")
                .maxInputsPerRequest(8)
                .maxTokensPerRequest(4096)
                .timeoutMillis(60_000)
                .encodingFormat("base64")
                .build();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            texts.add("Document " + i + ": " + "streaming embeddings with exactly-once sinks ".repeat(1 + i % 5));
        }
        try (RemoteEmbedder remote = new RemoteEmbedder(
                o, EmbeddingInput::text, t -> reference.tokenizer().encode(t).ids().length, null, "test-remote")) {
            List<CompletableFuture<Embedding>> futures = texts.stream()
                    .map(t -> remote.submit(EmbeddingInput.document(t)))
                    .toList();
            double worst = 1;
            for (int i = 0; i < texts.size(); i++) {
                worst = Math.min(
                        worst,
                        Vectors.cosine(futures.get(i).get(60, TimeUnit.SECONDS).vector(), inProcess(texts.get(i))));
            }
            assertThat(worst).isGreaterThan(0.99999);
        }
    }
}
