package dev.flinkembed.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.remote.EmbeddingsProtocol;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} with the tiny Qwen3-Embedding fixture: documents raw, {@code "input_type": "query"} formatted with the
 * instruction — every golden case, full size and Matryoshka 16, equals the independent implementation's vectors.
 */
class ServeQwen3Test {

    static final Path FIXTURE = TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny");

    @Test
    void queriesAndDocumentsMatchTheGoldenVectors() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode golden = json.readTree(FIXTURE.resolve("golden.json").toFile());
        ModelOptions model = ModelOptions.defaults(FIXTURE.toString())
                .withInstruction("Given a web search query, retrieve relevant passages that answer the query");
        HttpClient http = HttpClient.newHttpClient();
        int checked = 0;
        int expectedChecks = 0;
        try (EmbeddingServer server = EmbeddingServer.start(ServeOptions.builder(model, "qwen3-embedding-tiny")
                .port(0)
                .threads(8)
                .build())) {
            for (JsonNode c : golden.get("cases")) {
                if (c.get("text").asText().isEmpty()) {
                    continue; // the API refuses empty strings, as OpenAI's does (the runtime's golden test covers it)
                }
                expectedChecks += 2;
                for (int dims : new int[] {0, 16}) {
                    ObjectNode req = json.createObjectNode()
                            .put("model", "qwen3-embedding-tiny")
                            .put("input", c.get("text").asText());
                    if (c.get("kind").asText().equals("query")) {
                        req.put("input_type", "query");
                    }
                    if (dims > 0) {
                        req.put("dimensions", dims);
                    }
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(URI.create(server.url() + "/embeddings"))
                                    .POST(HttpRequest.BodyPublishers.ofString(req.toString()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    float[] got = EmbeddingsProtocol.parseResponse(r.body().getBytes(), 1)[0];
                    JsonNode want = c.get(dims > 0 ? "embedding_16" : "embedding");
                    float[] expected = new float[want.size()];
                    for (int k = 0; k < expected.length; k++) {
                        expected[k] = (float) want.get(k).asDouble();
                    }
                    assertThat(got).hasSize(expected.length);
                    assertThat(Vectors.cosine(got, expected))
                            .as("%s %s", c.get("kind"), c.get("text"))
                            .isGreaterThanOrEqualTo(0.99999);
                    assertThat(json.readTree(r.body())
                                    .get("usage")
                                    .get("prompt_tokens")
                                    .asInt())
                            .isEqualTo(c.get("input_ids").size());
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(expectedChecks).isGreaterThanOrEqualTo(20);
    }
}
