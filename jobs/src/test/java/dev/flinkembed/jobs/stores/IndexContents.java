package dev.flinkembed.jobs.stores;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.operators.testing.ElasticsearchNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/** What an Elasticsearch index holds, read with plain REST calls (not through the store under test). */
public final class IndexContents {

    private IndexContents() {}

    /** Every chunk document (up to 10,000) of {@code index} after a refresh. */
    static JsonNode hits(ElasticsearchNode es, String index, String source) throws IOException {
        es.admin("POST", "/" + index + "/_refresh", null);
        return es.admin("POST", "/" + index + "/_search", "{\"size\":10000,\"_source\":" + source + "}")
                .path("hits")
                .path("hits");
    }

    /** "doc#chunk" → "chunk_count text", as StreamExpectations.texts makes the expected chunks. */
    public static Map<String, String> texts(ElasticsearchNode es, String index) {
        Map<String, String> out = new HashMap<>();
        try {
            for (JsonNode h : hits(es, index, "[\"doc_id\",\"chunk_index\",\"chunk_count\",\"text\"]")) {
                JsonNode s = h.path("_source");
                out.put(
                        s.path("doc_id").asText() + "#" + s.path("chunk_index").asInt(),
                        s.path("chunk_count").asInt() + " " + s.path("text").asText());
            }
        } catch (IOException e) {
            return Map.of("error", e.toString());
        }
        return out;
    }

    /** "doc#chunk" → its vector. */
    public static Map<String, float[]> vectors(ElasticsearchNode es, String index) throws IOException {
        Map<String, float[]> out = new HashMap<>();
        for (JsonNode h : hits(es, index, "[\"doc_id\",\"chunk_index\",\"embedding\"]")) {
            JsonNode s = h.path("_source");
            JsonNode v = s.path("embedding");
            float[] f = new float[v.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) v.get(i).asDouble();
            }
            out.put(s.path("doc_id").asText() + "#" + s.path("chunk_index").asInt(), f);
        }
        return out;
    }

    /** The distinct fingerprints of every chunk a reader of {@code name} sees now, and how many chunks. */
    public static String fingerprints(ElasticsearchNode es, String name) {
        try {
            JsonNode r = es.admin(
                    "POST",
                    "/" + name + "/_search",
                    "{\"size\":0,\"track_total_hits\":true,\"aggs\":{\"f\":{\"terms\":{\"field\":"
                            + "\"model_fingerprint\",\"size\":10}}}}");
            TreeSet<String> f = new TreeSet<>();
            r.path("aggregations")
                    .path("f")
                    .path("buckets")
                    .forEach(b -> f.add(b.path("key").asText()));
            return String.join(",", f) + " "
                    + r.path("hits").path("total").path("value").asLong();
        } catch (IOException e) {
            return "error " + e.getMessage();
        }
    }

    public static long count(ElasticsearchNode es, String index) {
        try {
            return es.admin("GET", "/" + index + "/_count", null).path("count").asLong();
        } catch (IOException e) {
            return 0;
        }
    }
}
