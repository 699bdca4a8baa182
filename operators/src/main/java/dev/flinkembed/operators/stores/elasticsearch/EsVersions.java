package dev.flinkembed.operators.stores.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.store.StoreVersion;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Versions of a vectors index, for changing its model without readers ever seeing a mix: the stable name (what
 * {@code elasticsearch.index} says, what readers query) becomes an alias over one index per version
 * ({@code <name>__v<N>}), switched in one {@code _aliases} call. Each version's facts (model, fingerprint, dimensions,
 * when it was created and last made live) are in its mapping's {@code _meta}; which one is live is the alias itself,
 * so no registry can disagree with what readers see. The previous version stays for a rollback; older ones are
 * deleted at the switch. flink-embed creates every collection as {@code <name>__v1} behind the alias (listed as a
 * version from the first model change on); a plain index someone else created is adopted as version 1 on the first
 * model change (cloned to {@code <name>__v1}, then replaced by the alias in one {@code _aliases} call).
 */
final class EsVersions {

    private EsVersions() {}

    static String physical(String name, int version) {
        return name + "__v" + version;
    }

    /**
     * The versions of {@code name}, oldest first; empty when it was never versioned (no index behind it, a plain
     * index, or only the version 1 it was created as).
     */
    static List<StoreVersion> list(EsClient c, String name, boolean countRows) throws IOException {
        List<StoreVersion> all = listAll(c, name, countRows);
        return all.size() == 1 && all.get(0).model() == null ? List.of() : all;
    }

    /** Every version index, the implicit first one included (its model and fingerprint null until a change). */
    private static List<StoreVersion> listAll(EsClient c, String name, boolean countRows) throws IOException {
        Optional<JsonNode> all = c.callOrMissing("GET", "/" + name + "__v*/_mapping", null);
        String live = aliasTarget(c, name).orElse(null);
        Pattern own = Pattern.compile(Pattern.quote(name) + "__v(\\d+)");
        List<StoreVersion> out = new ArrayList<>();
        if (all.isEmpty()) {
            return out;
        }
        Iterator<Map.Entry<String, JsonNode>> it = all.get().fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Matcher m = own.matcher(e.getKey());
            if (!m.matches()) {
                continue; // another collection whose name starts with ours
            }
            JsonNode meta = e.getValue().path("mappings").path("_meta").path("flink_embed");
            String switched = meta.path("switched_at").asText(null);
            String state = e.getKey().equals(live)
                    ? StoreVersion.LIVE
                    : switched != null ? StoreVersion.PREVIOUS : StoreVersion.BUILDING;
            long rows = countRows ? count(c, e.getKey()) : -1;
            boolean implicit = meta.path("implicit").asBoolean(false);
            out.add(new StoreVersion(
                    Integer.parseInt(m.group(1)),
                    e.getKey(),
                    implicit ? null : meta.path("model").asText("unknown"),
                    implicit ? null : meta.path("fingerprint").asText("unknown"),
                    meta.path("dimensions")
                            .asInt(e.getValue()
                                    .path("mappings")
                                    .path("properties")
                                    .path(EsIndex.VECTOR)
                                    .path("dims")
                                    .asInt()),
                    state,
                    meta.path("created_at").asText(null),
                    switched,
                    rows));
        }
        out.sort(Comparator.comparingInt(StoreVersion::version));
        return out;
    }

    static long count(EsClient c, String index) throws IOException {
        return c.call("GET", "/" + index + "/_count", null).path("count").asLong(-1);
    }

    /** The index the alias {@code name} points at, when {@code name} is an alias. */
    static Optional<String> aliasTarget(EsClient c, String name) throws IOException {
        Optional<JsonNode> a = c.callOrMissing("GET", "/_alias/" + name, null);
        if (a.isEmpty() || a.get().size() == 0) {
            return Optional.empty();
        }
        return Optional.of(a.get().fieldNames().next());
    }

    static Optional<StoreVersion> inState(EsClient c, String name, String state) throws IOException {
        return list(c, name, false).stream()
                .filter(v -> v.state().equals(state))
                .max(Comparator.comparing(v -> v.switchedAt() == null ? "" : v.switchedAt()));
    }

    /**
     * The version being built for {@code fingerprint}: the one an interrupted run left (resumed as it is), or a new
     * empty one. A never-versioned index is first adopted as version 1.
     */
    static StoreVersion startBuilding(EsClient c, EsOptions stable, String model, String fingerprint, int dimensions)
            throws IOException {
        adoptIfPlain(c, stable);
        recordFirstVersion(c, stable);
        List<StoreVersion> versions = list(c, stable.index(), false);
        for (StoreVersion v : versions) {
            if (v.state().equals(StoreVersion.BUILDING)) {
                if (v.fingerprint().equals(fingerprint) && v.dimensions() == dimensions) {
                    return v; // resume: what it holds is kept, the rest is embedded
                }
                c.call("DELETE", "/" + v.physical(), null); // left by a run for another model
            }
        }
        int next = versions.stream().mapToInt(StoreVersion::version).max().orElse(0) + 1;
        String physical = physical(stable.index(), next);
        String created = Instant.now().toString();
        ObjectNode meta = EsIndex.meta(dimensions)
                .put("name", stable.index())
                .put("version", next)
                .put("model", model)
                .put("fingerprint", fingerprint)
                .put("created_at", created);
        c.call("PUT", "/" + physical, EsIndex.createBody(stable.withIndex(physical, dimensions), meta));
        return new StoreVersion(
                next, physical, model, fingerprint, dimensions, StoreVersion.BUILDING, created, null, -1);
    }

    /**
     * Version 1 := the plain index, cloned to {@code <name>__v1} (writes blocked meanwhile: writers retry), then the
     * plain index removed and the alias added in one {@code _aliases} call. Resumable: a clone left by an interrupted
     * adoption is used as it is.
     */
    private static void adoptIfPlain(EsClient c, EsOptions stable) throws IOException {
        Optional<EsIndex.Target> t = EsIndex.resolve(c, stable.index());
        if (t.isEmpty() || t.get().alias()) {
            return;
        }
        String name = stable.index();
        String v1 = physical(name, 1);
        Optional<String[]> current = EsSession.anyRowModel(c, name);
        if (c.callOrMissing("HEAD", "/" + v1, null).isEmpty()) {
            c.call(
                    "PUT",
                    "/" + name + "/_settings",
                    EsClient.JSON.createObjectNode().put("index.blocks.write", true));
            ObjectNode clone = EsClient.JSON.createObjectNode();
            clone.putObject("settings")
                    .put("index.number_of_replicas", stable.replicas())
                    .putNull("index.blocks.write");
            c.call("POST", "/" + name + "/_clone/" + v1, clone);
        }
        c.call("GET", "/_cluster/health/" + v1 + "?wait_for_status=yellow&timeout=60s", null);
        ObjectNode meta = EsIndex.meta(t.get().dimensions())
                .put("name", name)
                .put("version", 1)
                .put("model", current.map(m -> m[0]).orElse("unknown"))
                .put("fingerprint", current.map(m -> m[1]).orElse("unknown"))
                .put("created_at", Instant.now().toString())
                .put("switched_at", Instant.now().toString());
        putMeta(c, v1, meta);
        ObjectNode actions = EsClient.JSON.createObjectNode();
        ArrayNode a = actions.putArray("actions");
        a.addObject().putObject("remove_index").put("index", name);
        a.addObject().putObject("add").put("index", v1).put("alias", name);
        c.call("POST", "/_aliases", actions);
    }

    /**
     * The version 1 a collection was created as becomes a listed version: its model and fingerprint (from its chunks)
     * and the time it went live are written to its _meta. Nothing moves: the alias already points at it.
     */
    private static void recordFirstVersion(EsClient c, EsOptions stable) throws IOException {
        List<StoreVersion> all = listAll(c, stable.index(), false);
        if (all.size() != 1 || all.get(0).model() != null) {
            return;
        }
        StoreVersion v1 = all.get(0);
        Optional<String[]> current = EsSession.anyRowModel(c, v1.physical());
        ObjectNode meta = metaOf(c, v1.physical());
        meta.remove("implicit");
        meta.put("model", current.map(m -> m[0]).orElse("unknown"))
                .put("fingerprint", current.map(m -> m[1]).orElse("unknown"))
                .put("switched_at", v1.createdAt() == null ? Instant.now().toString() : v1.createdAt());
        putMeta(c, v1.physical(), meta);
    }

    static void putMeta(EsClient c, String index, ObjectNode flinkEmbed) throws IOException {
        ObjectNode body = EsClient.JSON.createObjectNode();
        body.putObject("_meta").set("flink_embed", flinkEmbed);
        c.call("PUT", "/" + index + "/_mapping", body);
    }

    private static ObjectNode metaOf(EsClient c, String index) throws IOException {
        JsonNode m = c.call("GET", "/" + index + "/_mapping", null)
                .path(index)
                .path("mappings")
                .path("_meta")
                .path("flink_embed");
        return m.isObject() ? ((ObjectNode) m).deepCopy() : EsClient.JSON.createObjectNode();
    }

    /** After the load: everything written is searchable (the index is complete before readers are switched). */
    static void finishBuilding(EsClient c, StoreVersion v) throws IOException {
        c.call("POST", "/" + v.physical() + "/_refresh", null);
    }

    /**
     * Points the alias at {@code target} in one {@code _aliases} call: readers see the old version or the new one,
     * never a mix. The live version becomes the previous one; the version that was previous is deleted.
     */
    static void switchTo(EsClient c, EsOptions stable, StoreVersion target) throws IOException {
        String name = stable.index();
        List<StoreVersion> before = list(c, name, false);
        pointAliasAt(c, name, target.physical());
        ObjectNode meta =
                metaOf(c, target.physical()).put("switched_at", Instant.now().toString());
        putMeta(c, target.physical(), meta);
        for (StoreVersion v : before) {
            if (v.state().equals(StoreVersion.PREVIOUS) && v.version() != target.version()) {
                c.call("DELETE", "/" + v.physical(), null);
            }
        }
    }

    /** Back to the previous version (the live one becomes previous): one {@code _aliases} call, as a switch. */
    static StoreVersion rollback(EsClient c, EsOptions stable) throws IOException {
        Optional<StoreVersion> previous = inState(c, stable.index(), StoreVersion.PREVIOUS);
        Optional<StoreVersion> live = inState(c, stable.index(), StoreVersion.LIVE);
        if (previous.isEmpty() || live.isEmpty()) {
            throw new IllegalArgumentException("index " + stable.index()
                    + " has no previous version to roll back to (see `flink-embed versions`)");
        }
        pointAliasAt(c, stable.index(), previous.get().physical());
        putMeta(
                c,
                previous.get().physical(),
                metaOf(c, previous.get().physical())
                        .put("switched_at", Instant.now().toString()));
        return previous.get();
    }

    private static void pointAliasAt(EsClient c, String name, String physical) throws IOException {
        ObjectNode actions = EsClient.JSON.createObjectNode();
        ArrayNode a = actions.putArray("actions");
        Optional<String> current = aliasTarget(c, name);
        if (current.isPresent() && !current.get().equals(physical)) {
            a.addObject().putObject("remove").put("index", current.get()).put("alias", name);
        }
        a.addObject().putObject("add").put("index", physical).put("alias", name);
        c.call("POST", "/_aliases", actions);
    }
}
