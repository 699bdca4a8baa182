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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

/**
 * One HTTP server speaking the four scoring shapes as their servers do, with their own success and error bodies:
 * <ul>
 *   <li>vLLM {@code /v1/rerank} ({@code RerankRequest}: model, query, documents, top_n 0 = all; {@code RerankResponse}:
 *   id, model, usage, results [{index, document {text}, relevance_score}] sorted by score) and {@code /v1/score}
 *   ({@code ScoreRequest}: model, text_1, text_2; {@code ScoreResponse}: id, object "list", created, model, data
 *   [{index, object "score", score}] in input order); errors {@code {"error": {"message", "type", "param", "code"}}}
 *   (vLLM ≥ 0.10's {@code ErrorResponse}); an unknown model is 404 NotFoundError.
 *   <li>TEI {@code /rerank} ({@code RerankRequest}: query, texts, truncate, raw_scores, return_text; the response a bare
 *   list of {@code Rank} {index, score} sorted by score); more texts than {@code --max-client-batch-size} (32) is 413
 *   {@code {"error": "batch size 40 > maximum allowed batch size 32", "error_type": "validation"}}.
 *   <li>Cohere {@code /v2/rerank} (model, query, documents, top_n; {@code {id, results [{index, relevance_score}],
 *   meta}} sorted by score); a missing or wrong key is 401 {@code {"id", "message": "invalid api token"}}.
 * </ul>
 * The score of a document is the share of the query's words it contains ({@link #expected}). {@link #failNext} makes
 * the next requests answer a given status, headers and body instead.
 */
public final class RerankServers implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    public static final String MODEL = "Qwen/Qwen3-Reranker-0.6B";
    /** The key Cohere's shape accepts: the client reads keys from environment variables only, and HOME is set. */
    static final String KEY_ENV = "HOME";

    static final String KEY = System.getenv(KEY_ENV);
    static final int TEI_MAX_BATCH = 32;

    record Failure(int status, String retryAfter, String body) {}

    final HttpServer server;
    public final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> paths = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();

    public RerankServers() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/rerank", e -> handle(e, this::vllmRerank));
        server.createContext("/v1/score", e -> handle(e, this::vllmScore));
        server.createContext("/rerank", e -> handle(e, this::tei));
        server.createContext("/v2/rerank", e -> handle(e, this::cohere));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void failNext(int times, Failure failure) {
        for (int i = 0; i < times; i++) {
            failures.add(failure);
        }
    }

    public static float expected(String query, String document) {
        Set<String> words = words(document);
        List<String> q = List.copyOf(words(query));
        return q.isEmpty() ? 0 : (float) q.stream().filter(words::contains).count() / q.size();
    }

    private static Set<String> words(String s) {
        return new HashSet<>(Arrays.asList(s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")));
    }

    private interface Handler {
        Object answer(JsonNode body, HttpExchange e) throws Reply;
    }

    /** An error reply: status and body. */
    private static final class Reply extends Exception {
        final int status;
        final String body;

        Reply(int status, String body) {
            super(body, null, false, false);
            this.status = status;
            this.body = body;
        }
    }

    private void handle(HttpExchange e, Handler h) throws IOException {
        try (e) {
            byte[] raw = e.getRequestBody().readAllBytes();
            paths.add(e.getRequestURI().getPath());
            Failure f = failures.poll();
            if (f != null) {
                if (f.retryAfter != null) {
                    e.getResponseHeaders().add("Retry-After", f.retryAfter);
                }
                send(e, f.status, f.body);
                return;
            }
            JsonNode body = JSON.readTree(raw);
            bodies.add(body);
            try {
                send(e, 200, JSON.writeValueAsString(h.answer(body, e)));
            } catch (Reply r) {
                send(e, r.status, r.body);
            }
        }
    }

    private static void send(HttpExchange e, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().add("Content-Type", "application/json");
        e.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            e.getResponseBody().write(bytes);
        }
    }

    private static String vllmError(int code, String type, String message) {
        ObjectNode err = JSON.createObjectNode();
        ObjectNode inner = err.putObject("error");
        inner.put("message", message);
        inner.put("type", type);
        inner.putNull("param");
        inner.put("code", code);
        return err.toString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void requireModel(JsonNode body) throws Reply {
        if (!MODEL.equals(body.path("model").asText())) {
            throw new Reply(
                    404,
                    vllmError(
                            404,
                            "NotFoundError",
                            "The model `" + body.path("model").asText() + "` does not exist."));
        }
    }

    private Object vllmRerank(JsonNode body, HttpExchange e) throws Reply {
        requireModel(body);
        String query = body.get("query").asText();
        List<String> docs = strings(body.get("documents"));
        int topN = body.path("top_n").asInt(0);
        ObjectNode out = JSON.createObjectNode();
        out.put("id", "rerank-1");
        out.put("model", MODEL);
        out.putObject("usage").put("total_tokens", 7 * docs.size());
        ArrayNode results = out.putArray("results");
        IntStream.range(0, docs.size())
                .boxed()
                .sorted(Comparator.comparingDouble(i -> -expected(query, docs.get(i))))
                .limit(topN > 0 ? topN : docs.size())
                .forEach(i -> {
                    ObjectNode r = results.addObject();
                    r.put("index", i);
                    r.putObject("document").put("text", docs.get(i));
                    r.put("relevance_score", expected(query, docs.get(i)));
                });
        return out;
    }

    private Object vllmScore(JsonNode body, HttpExchange e) throws Reply {
        requireModel(body);
        String query = body.get("text_1").asText();
        List<String> docs = strings(body.get("text_2"));
        ObjectNode out = JSON.createObjectNode();
        out.put("id", "score-1");
        out.put("object", "list");
        out.put("created", 1765000000);
        out.put("model", MODEL);
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < docs.size(); i++) {
            ObjectNode d = data.addObject();
            d.put("index", i);
            d.put("object", "score");
            d.put("score", expected(query, docs.get(i)));
        }
        out.putObject("usage").put("prompt_tokens", 7 * docs.size()).put("total_tokens", 7 * docs.size());
        return out;
    }

    private Object tei(JsonNode body, HttpExchange e) throws Reply {
        List<String> texts = strings(body.get("texts"));
        if (texts.size() > TEI_MAX_BATCH) {
            throw new Reply(
                    413,
                    "{\"error\":\"batch size " + texts.size() + " > maximum allowed batch size " + TEI_MAX_BATCH
                            + "\",\"error_type\":\"validation\"}");
        }
        String query = body.get("query").asText();
        ArrayNode out = JSON.createArrayNode();
        IntStream.range(0, texts.size())
                .boxed()
                .sorted(Comparator.comparingDouble(i -> -expected(query, texts.get(i))))
                .forEach(i -> out.addObject().put("index", i).put("score", expected(query, texts.get(i))));
        return out;
    }

    private Object cohere(JsonNode body, HttpExchange e) throws Reply {
        if (!("Bearer " + KEY).equals(e.getRequestHeaders().getFirst("Authorization"))) {
            throw new Reply(401, "{\"id\":\"6f1e\",\"message\":\"invalid api token\"}");
        }
        String query = body.get("query").asText();
        List<String> docs = strings(body.get("documents"));
        ObjectNode out = JSON.createObjectNode();
        out.put("id", "07734bd2");
        ArrayNode results = out.putArray("results");
        IntStream.range(0, docs.size())
                .boxed()
                .sorted(Comparator.comparingDouble(i -> -expected(query, docs.get(i))))
                .forEach(i -> results.addObject().put("index", i).put("relevance_score", expected(query, docs.get(i))));
        ObjectNode meta = out.putObject("meta");
        meta.putObject("api_version").put("version", "2");
        meta.putObject("billed_units").put("search_units", 1);
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
