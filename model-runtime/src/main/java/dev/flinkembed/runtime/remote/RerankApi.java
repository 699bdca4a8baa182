package dev.flinkembed.runtime.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The wire shapes of the scoring servers, each as its documentation and source define it. Scores come back by the
 * documents' index (vLLM, TEI and Cohere sort results by relevance).
 *
 * <ul>
 *   <li>{@code vllm}: vLLM's {@code POST {url}/rerank} (Jina/Cohere-shaped): {@code {model, query, documents}} →
 *   {@code {results: [{index, relevance_score}]}}; no {@code top_n} (0: all documents).
 *   <li>{@code vllm-score}: vLLM's {@code POST {url}/score}: {@code {model, text_1: query, text_2: [documents]}} →
 *   {@code {data: [{index, object: "score", score}]}}.
 *   <li>{@code tei}: Hugging Face TEI's {@code POST {url}/rerank}: {@code {query, texts, truncate, raw_scores: false}}
 *   → {@code [{index, score}]} (router/src/http/types.rs, {@code RerankRequest} / {@code Rank}).
 *   <li>{@code cohere}: Cohere's {@code POST {url}/v2/rerank}: {@code {model, query, documents}} → {@code {results:
 *   [{index, relevance_score}]}}.
 * </ul>
 */
public enum RerankApi {
    VLLM("vllm", "/rerank"),
    VLLM_SCORE("vllm-score", "/score"),
    TEI("tei", "/rerank"),
    COHERE("cohere", "/v2/rerank");

    private final String key;
    private final String path;

    RerankApi(String key, String path) {
        this.key = key;
        this.path = path;
    }

    public String key() {
        return key;
    }

    public static String accepted() {
        return Arrays.stream(values()).map(RerankApi::key).collect(Collectors.joining(", "));
    }

    public static RerankApi parse(String value) {
        for (RerankApi api : values()) {
            if (api.key.equals(value.trim().toLowerCase(Locale.ROOT))) {
                return api;
            }
        }
        throw new IllegalArgumentException("rerank api '" + value + "' is not one of: " + accepted());
    }

    /** The endpoint: {@code url} plus this shape's path, unless {@code url} already ends with it. */
    public URI endpoint(String url) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return URI.create(base.endsWith(path) ? base : base + path);
    }

    public byte[] request(String model, String query, List<String> documents) {
        ObjectNode n = EmbeddingsProtocol.JSON.createObjectNode();
        ArrayNode docs;
        switch (this) {
            case VLLM_SCORE -> {
                n.put("model", model);
                n.put("text_1", query);
                docs = n.putArray("text_2");
            }
            case TEI -> {
                n.put("query", query);
                docs = n.putArray("texts");
                n.put("truncate", true);
                n.put("raw_scores", false);
            }
            default -> {
                n.put("model", model);
                n.put("query", query);
                docs = n.putArray("documents");
            }
        }
        documents.forEach(docs::add);
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The scores of a 200 response by document index; a body without exactly one score per document is retryable. */
    public float[] parse(byte[] body, int count) {
        JsonNode root = EmbeddingsProtocol.readBody(body);
        JsonNode items = switch (this) {
            case TEI -> root;
            case VLLM_SCORE -> root == null ? null : root.get("data");
            default -> root == null ? null : root.get("results");
        };
        String field = this == VLLM_SCORE || this == TEI ? "score" : "relevance_score";
        if (items == null || !items.isArray() || items.size() != count) {
            throw new RemoteException(
                    "response has "
                            + (items == null || !items.isArray() ? "no list of scores" : items.size() + " scores")
                            + " for " + count + " documents",
                    200,
                    true,
                    -1,
                    null);
        }
        float[] out = new float[count];
        boolean[] seen = new boolean[count];
        for (JsonNode item : items) {
            int index = item.path("index").asInt(-1);
            JsonNode score = item.get(field);
            if (index < 0 || index >= count || seen[index] || score == null || !score.isNumber()) {
                throw new RemoteException("response has a bad or repeated result " + item, 200, true, -1, null);
            }
            seen[index] = true;
            out[index] = (float) score.asDouble();
        }
        return out;
    }
}
