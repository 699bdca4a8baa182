package dev.flinkembed.operators.stores.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.store.Lineage;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.StoreVersion;
import dev.flinkembed.operators.store.VectorStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A client's connection to a vectors index: kNN search, lineage and its versions (indices behind an alias). */
final class EsSession implements StoreSession {

    private final ElasticsearchStore store;
    private final EsOptions es;
    private final EsClient c;

    EsSession(ElasticsearchStore store) {
        this.store = store;
        this.es = store.options();
        this.c = new EsClient(es);
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    /** A REST call; its failure names the node (as every client-side step does). */
    private static <T> T call(Call<T> call) {
        try {
            return call.run();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public Optional<Lineage> lineage() {
        return call(() -> {
            Optional<String[]> m = anyRowModel(c, es.index());
            if (m.isEmpty()) {
                return Optional.empty();
            }
            int dims = EsIndex.resolve(c, es.index())
                    .map(EsIndex.Target::dimensions)
                    .orElse(0);
            return Optional.of(new Lineage(m.get()[0], m.get()[1], dims));
        });
    }

    /** The model and fingerprint of any one chunk of {@code index}; empty when it has none (or does not exist). */
    static Optional<String[]> anyRowModel(EsClient c, String index) throws IOException {
        ObjectNode q = EsClient.JSON.createObjectNode().put("size", 1);
        q.putArray("_source").add("model").add("model_fingerprint");
        Optional<JsonNode> r = c.callOrMissing("POST", "/" + index + "/_search", q);
        JsonNode hit = r.map(x -> x.path("hits").path("hits").path(0)).orElse(null);
        if (hit == null || hit.isMissingNode()) {
            return Optional.empty();
        }
        JsonNode s = hit.path("_source");
        return Optional.of(new String[] {
            s.path("model").asText(), s.path("model_fingerprint").asText()
        });
    }

    @Override
    public Optional<String> liveModel() {
        return call(() -> EsVersions.inState(c, es.index(), StoreVersion.LIVE).map(StoreVersion::model));
    }

    /**
     * Approximate kNN through the index's HNSW graph ({@code num_candidates} per shard: elasticsearch.num-candidates).
     * Elasticsearch scores cosine as (1 + cos) / 2; the hits carry the cosine itself, as pgvector's do.
     */
    @Override
    public List<SearchHit> nearest(float[] query, int k) {
        return call(() -> {
            ObjectNode body = EsClient.JSON.createObjectNode().put("size", k);
            ObjectNode knn = body.putObject("knn")
                    .put("field", EsIndex.VECTOR)
                    .put("k", k)
                    .put("num_candidates", Math.max(k, es.numCandidates()));
            if (es.rescoreOversample() > 0 && quantized()) {
                knn.putObject("rescore_vector").put("oversample", es.rescoreOversample());
            }
            ArrayNode v = knn.putArray("query_vector");
            for (float x : query) {
                v.add(x);
            }
            body.putArray("_source").add("doc_id").add("chunk_index").add("text");
            JsonNode hits = c.call("POST", "/" + es.index() + "/_search", body)
                    .path("hits")
                    .path("hits");
            List<SearchHit> out = new ArrayList<>();
            for (JsonNode h : hits) {
                JsonNode s = h.path("_source");
                out.add(new SearchHit(
                        out.size() + 1,
                        s.path("doc_id").asText(),
                        s.path("chunk_index").asInt(),
                        cosine(h.path("_score").asDouble()),
                        s.path("text").asText()));
            }
            return out;
        });
    }

    /** Elasticsearch's cosine score (1 + cos) / 2 back to the cosine, at the float precision it was computed in. */
    static double cosine(double score) {
        return Double.parseDouble(Float.toString((float) (2 * score - 1)));
    }

    private Boolean quantized;

    /** Whether the index's vectors are quantized (rescore_vector is for those only); read once per session. */
    private boolean quantized() throws IOException {
        if (quantized == null) {
            String type = EsIndex.resolve(c, es.index())
                    .map(t -> t.properties()
                            .path(EsIndex.VECTOR)
                            .path("index_options")
                            .path("type")
                            .asText(""))
                    .orElse("");
            quantized = type.startsWith("int") || type.startsWith("bbq");
        }
        return quantized;
    }

    @Override
    public List<StoreVersion> versions(boolean countRows) {
        return call(() -> EsVersions.list(c, es.index(), countRows));
    }

    @Override
    public Optional<Lineage> currentModel() {
        return call(() -> {
            Optional<StoreVersion> live = EsVersions.inState(c, es.index(), StoreVersion.LIVE);
            if (live.isPresent()) {
                return Optional.of(new Lineage(live.get().model(), live.get().fingerprint(), 0));
            }
            return anyRowModel(c, es.index()).map(m -> new Lineage(m[0], m[1], 0));
        });
    }

    @Override
    public VectorStore live() {
        return call(() -> {
            Optional<StoreVersion> live = EsVersions.inState(c, es.index(), StoreVersion.LIVE);
            return live.isPresent()
                    ? new ElasticsearchStore(
                            es.withIndex(live.get().physical(), live.get().dimensions()))
                    : store;
        });
    }

    @Override
    public StoreVersion startBuilding(String model, String fingerprint, int dimensions) {
        return call(() -> EsVersions.startBuilding(c, es, model, fingerprint, dimensions));
    }

    @Override
    public VectorStore version(StoreVersion v) {
        return new ElasticsearchStore(es.withIndex(v.physical(), v.dimensions()));
    }

    @Override
    public void finishBuilding(StoreVersion v) {
        call(() -> {
            EsVersions.finishBuilding(c, v);
            return null;
        });
    }

    @Override
    public void switchTo(StoreVersion v) {
        call(() -> {
            EsVersions.switchTo(c, es, v);
            return null;
        });
    }

    @Override
    public StoreVersion rollback() {
        return call(() -> EsVersions.rollback(c, es));
    }

    @Override
    public void close() {
        c.close();
    }

    @Override
    public String toString() {
        return "session on " + store;
    }
}
