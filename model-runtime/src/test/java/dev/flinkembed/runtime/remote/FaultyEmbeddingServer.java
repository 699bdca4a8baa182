package dev.flinkembed.runtime.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A local {@code /v1/embeddings} server whose misbehaviour the test scripts, request by request: 429 with
 * Retry-After, 503, slow answers, dropped connections, malformed bodies, refused inputs. Its vectors are a
 * deterministic function of the text ({@link #vectorOf}), so a test can check that every input got its own vector.
 */
public final class FaultyEmbeddingServer implements AutoCloseable {

    public enum Fault {
        NONE,
        TOO_MANY_REQUESTS,
        UNAVAILABLE,
        SLOW,
        DROP,
        MALFORMED
    }

    public static final int DIMENSIONS = 8;
    /** An input containing this is refused with 400, as a server refuses an input over its length limit. */
    public static final String REFUSED_MARKER = "TOO-LONG";
    /** Inputs holding these get a vector with NaN (Python's json.dumps), with null (serde_json's NaN), or too short. */
    public static final String NAN_MARKER = "ANSWER-NAN";

    public static final String NULL_MARKER = "ANSWER-NULL";
    public static final String SHORT_MARKER = "ANSWER-SHORT";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final IntFunction<Fault> script;
    public final AtomicInteger requests = new AtomicInteger();
    public final AtomicInteger maxInputsSeen = new AtomicInteger();
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    /** How often each text was answered with a vector (a retry after a lost answer may repeat one). */
    public final ConcurrentHashMap<String, Integer> answered = new ConcurrentHashMap<>();

    private final int capacity;
    private final long slowMillis;

    /** {@code script}: the fault for the n-th request (1-based); {@code capacity}: in-flight requests before 429. */
    public FaultyEmbeddingServer(IntFunction<Fault> script, int capacity, long slowMillis) throws IOException {
        this.script = script;
        this.capacity = capacity;
        this.slowMillis = slowMillis;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/v1/embeddings", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public static float[] vectorOf(String text) {
        float[] v = new float[DIMENSIONS];
        int h = text.hashCode();
        for (int i = 0; i < DIMENSIONS; i++) {
            v[i] = (float) Math.sin(h * 0.001 + i);
        }
        return v;
    }

    private void handle(HttpExchange ex) throws IOException {
        int n = requests.incrementAndGet();
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
            ArrayNode inputs = (ArrayNode) body.get("input");
            maxInputsSeen.accumulateAndGet(inputs.size(), Math::max);
            if (now > capacity) {
                respond(ex, 429, "{\"error\":{\"message\":\"too many concurrent requests\"}}", "0");
                return;
            }
            Fault fault = script.apply(n);
            switch (fault) {
                case TOO_MANY_REQUESTS -> {
                    respond(ex, 429, "{\"error\":{\"message\":\"rate limited\"}}", "0.05");
                    return;
                }
                case UNAVAILABLE -> {
                    respond(ex, 503, "{\"error\":{\"message\":\"overloaded\"}}", null);
                    return;
                }
                case DROP -> {
                    ex.getResponseBody().close(); // no status line: the client sees the connection end
                    ex.close();
                    return;
                }
                case MALFORMED -> {
                    respond(ex, 200, "{\"object\":\"list\",\"data\":[{\"embedding\":[0.1,", null);
                    return;
                }
                case SLOW -> sleep(slowMillis);
                default -> {}
            }
            for (JsonNode in : inputs) {
                if (in.asText().contains(REFUSED_MARKER)) {
                    respond(
                            ex,
                            400,
                            "{\"error\":{\"message\":\"This model's maximum context length is 512 tokens\","
                                    + "\"type\":\"BadRequestError\"}}",
                            null);
                    return;
                }
            }
            boolean base64 = "base64".equals(body.path("encoding_format").asText());
            ObjectNode out = JSON.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            // Answer in reverse order: clients must go by "index", not by position.
            for (int i = inputs.size() - 1; i >= 0; i--) {
                String text = inputs.get(i).asText();
                ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
                float[] v = vectorOf(text);
                if (text.contains(NAN_MARKER)) {
                    v[3] = Float.NaN;
                } else if (text.contains(SHORT_MARKER)) {
                    v = java.util.Arrays.copyOf(v, DIMENSIONS / 2);
                }
                if (base64) {
                    item.put("embedding", EmbeddingsProtocol.encodeBase64(v));
                } else {
                    ArrayNode a = item.putArray("embedding");
                    for (int k = 0; k < v.length; k++) {
                        if (text.contains(NULL_MARKER) && k == 5) {
                            a.addNull();
                        } else {
                            a.add(v[k]);
                        }
                    }
                }
                answered.merge(text, 1, Integer::sum);
            }
            out.putObject("usage").put("prompt_tokens", inputs.size()).put("total_tokens", inputs.size());
            respond(ex, 200, out.toString(), null);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange ex, int status, String body, String retryAfter) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (retryAfter != null) {
            ex.getResponseHeaders().set("Retry-After", retryAfter);
        }
        try {
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
        } catch (IOException e) {
            // the client gave up (timeout): nothing to answer
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
