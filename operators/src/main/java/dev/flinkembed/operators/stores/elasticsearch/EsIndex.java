package dev.flinkembed.operators.stores.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The vectors index: one document per chunk with the pgvector table's fields and lineage, {@code _id} from the
 * document id and chunk index, every chunk of a document on one shard ({@code routing} = the document id). The mapping
 * is strict (a field nobody declared is an error, not a new column) and records flink-embed's facts in {@code _meta}.
 * Creates the index when missing and checks an existing one, so a mismatch fails before any data moves.
 */
final class EsIndex {

    static final String VECTOR = "embedding";
    /** Added after indices were first made: {@link #prepare} adds it to the mapping of an index that lacks it. */
    static final String DOCUMENT_HASH = "document_hash";

    /** Field → mapping type, as written by {@link EsWriter}. */
    static final Map<String, String> FIELDS = fields();

    private EsIndex() {}

    private static Map<String, String> fields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("doc_id", "keyword");
        f.put("chunk_index", "integer");
        f.put("chunk_count", "integer");
        f.put("text", "text");
        f.put("title", "text");
        f.put("metadata", "flattened");
        f.put("start_char", "integer");
        f.put("end_char", "integer");
        f.put("token_count", "integer");
        f.put("content_hash", "keyword");
        f.put(DOCUMENT_HASH, "keyword");
        f.put("model", "keyword");
        f.put("model_fingerprint", "keyword");
        f.put("embedded_at", "date");
        f.put(VECTOR, "dense_vector");
        return Map.copyOf(f);
    }

    /** What a name stands for now: the concrete index, whether the name is an alias, its _meta and fields. */
    record Target(String concrete, boolean alias, JsonNode meta, JsonNode properties) {
        /** flink-embed's facts about the index (empty object when none). */
        JsonNode flinkEmbed() {
            return meta.path("flink_embed");
        }

        int dimensions() {
            return properties.path(VECTOR).path("dims").asInt(0);
        }
    }

    /** The index behind {@code name}, if any. More than one index behind an alias is refused. */
    static Optional<Target> resolve(EsClient c, String name) throws IOException {
        Optional<JsonNode> answer = c.callOrMissing("GET", "/" + name + "/_mapping", null);
        if (answer.isEmpty() || answer.get().size() == 0) {
            return Optional.empty();
        }
        JsonNode all = answer.get();
        if (all.size() > 1) {
            List<String> names = new ArrayList<>();
            all.fieldNames().forEachRemaining(names::add);
            throw new IllegalStateException("'" + name + "' names " + all.size() + " indices " + names + " in "
                    + c.describe() + ": flink-embed writes and searches one index (or an alias of one)");
        }
        Iterator<Map.Entry<String, JsonNode>> it = all.fields();
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode mappings = e.getValue().path("mappings");
        return Optional.of(
                new Target(e.getKey(), !e.getKey().equals(name), mappings.path("_meta"), mappings.path("properties")));
    }

    /** The body that creates an index for {@code o}'s vectors, with {@code meta} as flink-embed's _meta. */
    static ObjectNode createBody(EsOptions o, ObjectNode meta) {
        ObjectNode body = EsClient.JSON.createObjectNode();
        body.putObject("settings").put("number_of_shards", o.shards()).put("number_of_replicas", o.replicas());
        ObjectNode mappings = body.putObject("mappings");
        mappings.put("dynamic", "strict");
        mappings.putObject("_meta").set("flink_embed", meta);
        ObjectNode props = mappings.putObject("properties");
        for (Map.Entry<String, String> f : FIELDS.entrySet()) {
            ObjectNode p = props.putObject(f.getKey()).put("type", f.getValue());
            if (f.getKey().equals("embedded_at")) {
                p.put("format", "epoch_millis");
            }
        }
        ObjectNode vector = (ObjectNode) props.get(VECTOR);
        vector.put("dims", o.dimensions()).put("index", true).put("similarity", "cosine");
        ObjectNode indexOptions = vector.putObject("index_options").put("type", o.indexType());
        if (o.indexType().endsWith("hnsw")) {
            indexOptions.put("m", o.hnswM()).put("ef_construction", o.efConstruction());
        }
        return body;
    }

    static ObjectNode meta(int dimensions) {
        return EsClient.JSON.createObjectNode().put("dimensions", dimensions);
    }

    /**
     * Creates the index when missing (and allowed), then checks it. Throws IllegalStateException with a message naming
     * the index and what is wrong.
     *
     * <p>A new collection is created as {@code NAME__v1} with the alias {@code NAME}, in one request: readers and
     * writers use the name, and a later model change only moves the alias (nothing is renamed or deleted under a
     * reader). Its {@code _meta} says {@code implicit}: until a second version exists it is not listed as a version.
     */
    static Target prepare(EsClient c, EsOptions o) throws IOException {
        Optional<Target> present = resolve(c, o.index());
        if (present.isEmpty()) {
            if (!o.createIndex()) {
                throw new IllegalStateException("index " + o.index() + " does not exist in " + c.describe()
                        + " and elasticsearch.create-index is false");
            }
            String physical = EsVersions.physical(o.index(), 1);
            ObjectNode body = createBody(
                    o,
                    meta(o.dimensions())
                            .put("name", o.index())
                            .put("version", 1)
                            .put("implicit", true)
                            .put("created_at", java.time.Instant.now().toString()));
            body.putObject("aliases").putObject(o.index());
            EsClient.Response r =
                    c.send("PUT", "/" + physical, EsClient.JSON.writeValueAsString(body), "application/json");
            if (!r.ok() && !r.body().path("error").path("type").asText().equals("resource_already_exists_exception")) {
                throw c.failure("PUT", "/" + physical, r);
            }
            present = resolve(c, o.index());
            if (present.isEmpty()) {
                throw new IllegalStateException("index " + physical + " exists in " + c.describe()
                        + " without the alias " + o.index() + ": delete it, or use another elasticsearch.index");
            }
        }
        Target t = present.get();
        check(t, o);
        if (t.properties().path(DOCUMENT_HASH).isMissingNode()) {
            // An index made before the field (checked flink-embed's otherwise): add it; its documents lack it until
            // written again.
            ObjectNode add = EsClient.JSON.createObjectNode();
            add.putObject("properties").putObject(DOCUMENT_HASH).put("type", "keyword");
            c.call("PUT", "/" + t.concrete() + "/_mapping", add);
            t = resolve(c, o.index()).orElseThrow();
        }
        return t;
    }

    /** The fields flink-embed writes must be there with their types, the vectors of this job's length. */
    static void check(Target t, EsOptions o) {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> f : FIELDS.entrySet()) {
            String type = t.properties().path(f.getKey()).path("type").asText("");
            if (type.isEmpty() && f.getKey().equals(DOCUMENT_HASH)) {
                continue; // an index made before the field: prepare() adds it
            }
            if (!type.equals(f.getValue())) {
                wrong.add(f.getKey() + " (" + (type.isEmpty() ? "missing" : type) + ", expected " + f.getValue() + ")");
            }
        }
        String where = "index " + t.concrete() + (t.alias() ? " (behind the alias " + o.index() + ")" : "");
        if (!wrong.isEmpty()) {
            throw new IllegalStateException(where + " is not a flink-embed vectors index: " + String.join(", ", wrong)
                    + "; use another elasticsearch.index");
        }
        if (t.dimensions() != o.dimensions()) {
            throw new IllegalStateException(where + " holds dense_vector(" + t.dimensions() + "), this job writes "
                    + o.dimensions() + " dimensions (model and model.dimensions decide it): use another "
                    + "elasticsearch.index, or `flink-embed reindex` to build a version for the new model");
        }
    }

    /**
     * A chunk's {@code _id}: "doc#index". Elasticsearch's ids hold at most 512 bytes: a longer document id is replaced
     * by its SHA-256 (the doc_id field keeps it whole).
     */
    static String id(String docId, int chunkIndex) {
        return routing(docId) + "#" + chunkIndex;
    }

    /** The routing key that keeps a document's chunks on one shard (so one shard applies its changes in order). */
    static String routing(String docId) {
        if (docId.getBytes(StandardCharsets.UTF_8).length <= 480) {
            return docId;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(docId.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
