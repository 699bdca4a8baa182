package dev.flinkembed.operators.stores.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.records.IndexedChunk;
import java.io.IOException;
import java.util.Optional;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Reads what a vectors index holds — {@code (doc_id, chunk_index, chunk_count, start_char, end_char, content_hash,
 * model_fingerprint)} of every chunk, no text and no vectors — as a bounded input of the reindex job: a refresh (so
 * the last writes are seen), then a point in time paged with {@code search_after} in {@code _shard_doc} order (not
 * from/size, which stops at 10,000 and shifts under writes). Element {@code k} in reads slice {@code k} of
 * {@code parts} (each slice its own point in time; one part: no slicing).
 */
final class EsIndexedChunksReader extends RichFlatMapFunction<Long, IndexedChunk> {

    private final EsOptions options;
    private final int pageSize;
    private final int parts;

    EsIndexedChunksReader(EsOptions options, int pageSize, int parts) {
        this.options = options;
        this.pageSize = pageSize;
        this.parts = parts;
    }

    @Override
    public void flatMap(Long part, Collector<IndexedChunk> out) throws IOException {
        EsClient c = new EsClient(options);
        if (EsIndex.resolve(c, options.index()).isEmpty()) {
            return; // no index yet (a dry run before the first load): nothing is indexed
        }
        c.call("POST", "/" + options.index() + "/_refresh", null);
        String pit = c.call("POST", "/" + options.index() + "/_pit?keep_alive=5m", null)
                .path("id")
                .asText();
        try {
            JsonNode after = null;
            while (true) {
                ObjectNode q =
                        EsClient.JSON.createObjectNode().put("size", pageSize).put("track_total_hits", false);
                q.putObject("pit").put("id", pit).put("keep_alive", "5m");
                if (parts > 1) {
                    q.putObject("slice").put("id", part.intValue()).put("max", parts);
                }
                q.putArray("sort").addObject().put("_shard_doc", "asc");
                q.putArray("_source")
                        .add("doc_id")
                        .add("chunk_index")
                        .add("chunk_count")
                        .add("start_char")
                        .add("end_char")
                        .add("content_hash")
                        .add("model_fingerprint")
                        .add(EsIndex.DOCUMENT_HASH);
                if (after != null) {
                    q.set("search_after", after);
                }
                JsonNode r = c.call("POST", "/_search", q);
                pit = r.path("pit_id").asText(pit);
                JsonNode hits = r.path("hits").path("hits");
                for (JsonNode h : hits) {
                    JsonNode s = h.path("_source");
                    out.collect(IndexedChunk.of(
                            s.path("doc_id").asText(),
                            s.path("chunk_index").asInt(),
                            s.path("chunk_count").asInt(),
                            s.path("start_char").asInt(),
                            s.path("end_char").asInt(),
                            s.path("content_hash").asText(),
                            s.path("model_fingerprint").asText(),
                            s.path(EsIndex.DOCUMENT_HASH).textValue())); // null: written before the field
                }
                if (hits.size() < pageSize) {
                    return;
                }
                after = (ArrayNode) hits.get(hits.size() - 1).path("sort");
            }
        } finally {
            ObjectNode close = EsClient.JSON.createObjectNode().put("id", pit);
            Optional.ofNullable(c.send("DELETE", "/_pit", EsClient.JSON.writeValueAsString(close), "application/json"));
        }
    }
}
