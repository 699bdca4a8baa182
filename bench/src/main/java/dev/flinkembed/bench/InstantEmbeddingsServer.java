package dev.flinkembed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.flinkembed.runtime.remote.EmbeddingsProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible {@code /v1/embeddings} that answers at once with one fixed unit vector per input: what the
 * pipeline in front of a model server costs when the server costs nothing. Not a model: for benchmarks only.
 */
public final class InstantEmbeddingsServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong inputs = new AtomicLong();

    InstantEmbeddingsServer(int dimensions) throws IOException {
        this(dimensions, false);
    }

    /**
     * @param distinct each input gets its own unit vector (seeded by its text), so a vector index sees a spread of
     *     vectors as it would with a model; otherwise every input gets the same one (the cheapest answer)
     */
    public InstantEmbeddingsServer(int dimensions, boolean distinct) throws IOException {
        float[] vector = new float[dimensions];
        vector[0] = 1f;
        String floatItem = JSON.writeValueAsString(vector);
        String base64Item = "\"" + EmbeddingsProtocol.encodeBase64(vector) + "\"";
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        http.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "instant-embeddings");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/v1/embeddings", ex -> {
            JsonNode request = JSON.readTree(ex.getRequestBody().readAllBytes());
            int n = request.get("input").isArray() ? request.get("input").size() : 1;
            String item = "base64".equals(request.path("encoding_format").asText()) ? base64Item : floatItem;
            StringBuilder body =
                    new StringBuilder(32 + n * (item.length() + 48)).append("{\"object\":\"list\",\"data\":[");
            boolean base64 = "base64".equals(request.path("encoding_format").asText());
            for (int i = 0; i < n; i++) {
                String one = item;
                if (distinct) {
                    JsonNode input = request.get("input").isArray()
                            ? request.get("input").get(i)
                            : request.get("input");
                    float[] v = seeded(input.asText().hashCode(), dimensions);
                    one = base64 ? "\"" + EmbeddingsProtocol.encodeBase64(v) + "\"" : JSON.writeValueAsString(v);
                }
                body.append(i == 0 ? "" : ",")
                        .append("{\"object\":\"embedding\",\"index\":")
                        .append(i)
                        .append(",\"embedding\":")
                        .append(one)
                        .append('}');
            }
            body.append("],\"model\":\"instant\",\"usage\":{\"prompt_tokens\":0,\"total_tokens\":0}}");
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            requests.incrementAndGet();
            inputs.addAndGet(n);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        http.start();
    }

    /** A unit vector of Gaussian components from {@code seed}. */
    static float[] seeded(long seed, int dimensions) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            v[i] = (float) r.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dimensions; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    public String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
    }

    public long requests() {
        return requests.get();
    }

    long inputs() {
        return inputs.get();
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
