package dev.flinkembed.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} against what a hostile client can send within the size limit (the measurements are in
 * {@code bench-serve --attack}; here, the behaviour): a body of empty objects is refused at its first one, a client
 * that holds its connections open without sending does not hold up {@code /health}, and a request beyond
 * {@code --threads} at once gets 503 with Retry-After before its body is read.
 */
class ServeBoundedTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static EmbeddingServer server;
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddingServer.start(
                ServeOptions.builder(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL), "all-minilm-l6-v2")
                        .port(0)
                        .threads(1)
                        .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBodyOfEmptyObjectsIsRefusedAtItsFirstOne() throws Exception {
        // 180 KB, within what the server drains of a refused body, so the client reads the answer (a larger one may
        // see the connection closed first: bench-serve --attack measures those)
        String body = "{\"model\":\"all-minilm-l6-v2\",\"input\":[" + "{},".repeat(60_000) + "{}]}";
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(server.url() + "/embeddings"))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("error").path("message").asText())
                .contains("found object");
        String deep = "{\"input\":\"x\",\"user\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
        HttpResponse<String> nested = send(HttpRequest.newBuilder(URI.create(server.url() + "/embeddings"))
                .POST(HttpRequest.BodyPublishers.ofString(deep)));
        assertThat(nested.statusCode()).isEqualTo(400);
        assertThat(nested.body()).contains("malformed JSON body").contains("nesting depth");
    }

    @Test
    void stalledConnectionsDoNotHoldUpHealthAndABusyServerAnswers503() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) { // one byte of a request line each, then nothing
                Socket s = new Socket("127.0.0.1", server.port());
                s.getOutputStream().write('G');
                s.getOutputStream().flush();
                stalled.add(s);
            }
            // A request that takes the one embedding thread and delivers only half of its body.
            Socket slow = new Socket("127.0.0.1", server.port());
            stalled.add(slow);
            OutputStream out = slow.getOutputStream();
            out.write(("POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 100\r\n\r\n{\"input\": [\"half")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(500);
            long t0 = System.nanoTime();
            HttpResponse<String> health =
                    send(HttpRequest.newBuilder(URI.create(server.url().replace("/v1", "/health")))
                            .GET());
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(health.statusCode()).isEqualTo(200);
            System.out.printf(
                    "serve: /health answered in %d ms with 64 stalled connections and a slow request%n", millis);
            HttpResponse<String> busy = send(HttpRequest.newBuilder(URI.create(server.url() + "/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"x\"}")));
            assertThat(busy.statusCode()).isEqualTo(503);
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
            JsonNode error = JSON.readTree(busy.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("server_busy");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        // the slow request gone, the thread is free again
        long deadline = System.nanoTime() + 10_000_000_000L;
        int status;
        do {
            status = send(HttpRequest.newBuilder(URI.create(server.url() + "/embeddings"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"x\"}")))
                    .statusCode();
        } while (status == 503 && System.nanoTime() < deadline && sleep());
        assertThat(status).isEqualTo(200);
    }

    /** A server error tells the client an incident id to look up, never the exception (class, message, stack). */
    @Test
    void aServerErrorAnswers500WithoutTheException() throws Exception {
        // a model of its own (another max length: not the weights the other server shares), released under it
        try (EmbeddingServer broken = EmbeddingServer.start(ServeOptions.builder(
                        ModelOptions.defaults(ModelOptions.DEFAULT_MODEL).withMaxTokens(128), "all-minilm-l6-v2")
                .port(0)
                .build())) {
            broken.model().close(); // every embedding now fails inside the server
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(broken.url() + "/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"x\"}")));
            assertThat(r.statusCode()).isEqualTo(500);
            String message =
                    JSON.readTree(r.body()).path("error").path("message").asText();
            assertThat(message).matches("internal error \\(incident [0-9a-f]+ in the server's log\\)");
            assertThat(r.body())
                    .doesNotContain("Exception")
                    .doesNotContain("java.")
                    .doesNotContain("at dev.");
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(200);
        return true;
    }
}
