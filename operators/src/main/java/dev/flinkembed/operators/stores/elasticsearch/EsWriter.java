package dev.flinkembed.operators.stores.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.BufferedWriteOperator;
import dev.flinkembed.operators.store.BufferingStoreWriter;
import dev.flinkembed.operators.store.PendingWrites;
import dev.flinkembed.operators.store.PendingWrites.DocumentChange;
import dev.flinkembed.operators.store.RefusedDocuments;
import dev.flinkembed.runtime.retry.Backoff;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers chunks and writes them with {@code _bulk}, one request per flush ({@link BufferedWriteOperator} decides
 * when). Idempotent: a replay after a restore reaches the same documents (at-least-once delivery, exactly-once
 * documents).
 *
 * <p>Elasticsearch has no transaction, so a document's change is ordered instead: its chunks all live on one shard
 * ({@code routing}), whose bulk items apply in order, and chunk 0 — which carries the chunk count — is always written
 * last. The trim of a shorter version reads the old count from chunk 0 (a real-time {@code _mget}, no refresh needed)
 * and deletes the chunks beyond the new count before anything else. Whatever prefix of a flush a failure lets through,
 * chunk 0 still covers every chunk left behind, so the replay removes them.
 *
 * <p>Per item: 429/503 (and a write block while an index is adopted as a version) are retried with backoff; a
 * document Elasticsearch refuses (a mapping or parsing error) has all its chunks removed and becomes a dead letter
 * naming the reason (the poison-record policy); nothing succeeds partially without being reported.
 */
final class EsWriter extends BufferingStoreWriter {

    private static final Logger LOG = LoggerFactory.getLogger(EsWriter.class);

    private final EsOptions options;
    private final EsClient client;
    private final EsLockFence fence;
    private final Consumer<DeadLetter> refused;
    private final Counter indexed;
    private final Counter deleted;
    private final Counter retries;
    private final Counter documentsRefused;
    /** Why the last retried items were rejected, for the retry's log line. */
    private String lastRejection = "items rejected";

    EsWriter(EsOptions options, MetricGroup metrics, Consumer<DeadLetter> refused, EsLockFence fence) {
        super(options.batchSize(), metrics.addGroup("elasticsearch"));
        this.options = options;
        this.client = new EsClient(options);
        this.fence = fence;
        this.refused = refused;
        this.indexed = storeMetrics.counter("chunksIndexed");
        this.deleted = storeMetrics.counter("chunksDeleted");
        this.retries = storeMetrics.counter("retries");
        this.documentsRefused = storeMetrics.counter("documentsRefused");
    }

    @Override
    protected void writeChanges(List<DocumentChange> changes) throws IOException {
        List<DocumentChange> todo = changes;
        IOException last = null;
        for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
            if (attempt > 0) {
                retries.inc();
                long sleep = Backoff.delayMillis(options.retryBackoffMillis(), attempt, 30_000);
                LOG.warn(
                        "Writing {} documents to {} failed ({}); retry {}/{} in {} ms",
                        todo.size(),
                        options,
                        last == null ? lastRejection : last.getMessage(),
                        attempt,
                        options.maxRetries(),
                        sleep);
                sleepFor(sleep);
            }
            try {
                todo = apply(todo);
                last = null;
                if (todo.isEmpty()) {
                    return;
                }
            } catch (EsException e) {
                if (!e.transientFailure() && e.status() < 500) {
                    // bad credentials, a missing privilege, a deleted index, a request over http.max_content_length
                    // (413: lower elasticsearch.batch-size): not worth a retry
                    throw e;
                }
                last = e;
            } catch (IOException e) {
                last = e; // connection refused or reset, a timeout
            }
        }
        throw new IOException(
                "writing " + todo.size() + " documents (the first '" + RefusedDocuments.abbreviate(todo.get(0).docId)
                        + "') to " + options + " failed after " + options.maxRetries() + " retries"
                        + (last == null
                                ? ": Elasticsearch kept rejecting them (" + lastRejection + ")"
                                : ": " + last.getMessage()),
                last);
    }

    /** After the last flush of a bounded input: what was written becomes searchable now, not at the next refresh. */
    @Override
    public void finish() throws IOException {
        flush();
        client.call("POST", "/" + options.index() + "/_refresh", null);
    }

    /** One bulk request for {@code changes}; returns the documents to try again. */
    private List<DocumentChange> apply(List<DocumentChange> changes) throws IOException {
        String index = checkTarget(changes);
        Map<String, Integer> oldCounts = oldCounts(index, changes);
        StringBuilder body = new StringBuilder();
        List<String> itemDocs = new ArrayList<>();
        for (DocumentChange d : changes) {
            appendChange(body, itemDocs, index, d, oldCounts.getOrDefault(d.docId, 0));
        }
        if (itemDocs.isEmpty()) {
            return List.of();
        }
        JsonNode answer = client.ndjson("/_bulk", body.toString());
        Map<String, String> refusals = new LinkedHashMap<>();
        Map<String, Boolean> again = new LinkedHashMap<>();
        JsonNode items = answer.path("items");
        for (int i = 0; i < items.size(); i++) {
            Map.Entry<String, JsonNode> item = items.get(i).fields().next();
            String action = item.getKey();
            JsonNode result = item.getValue();
            int status = result.path("status").asInt();
            String type = result.path("error").path("type").asText("");
            String doc = itemDocs.get(i);
            if (status >= 200 && status < 300) {
                (action.equals("delete") ? deleted : indexed).inc();
            } else if (status == 404 && (action.equals("delete") || type.equals("document_missing_exception"))) {
                // deleting what is gone, or the lineage of a chunk that is gone: nothing to do
            } else if (EsException.transientStatus(status, type) || status >= 500) {
                again.put(doc, true);
                lastRejection = "items rejected with " + status + " " + type;
            } else {
                refusals.putIfAbsent(
                        doc,
                        status + " " + type + ": "
                                + EsException.safeReason(
                                        result.path("error").path("reason").asText("")));
            }
        }
        List<DocumentChange> retry = new ArrayList<>();
        for (DocumentChange d : changes) {
            String why = refusals.get(d.docId);
            if (why != null) {
                refuse(index, d, Math.max(oldCounts.getOrDefault(d.docId, 0), d.trimFrom), why);
            } else if (again.containsKey(d.docId)) {
                retry.add(d);
            }
        }
        return retry;
    }

    /**
     * The concrete index to write (the alias resolved now, on every flush): a stream job that outlives a model switch
     * must not write its model's vectors into the version now live. Writing to the index checked here, not through
     * the alias, means a switch between the check and the write leaves them in the version that is no longer live.
     */
    private String checkTarget(List<DocumentChange> changes) throws IOException {
        if (fence != null) {
            fence.check(client);
        }
        EsIndex.Target t = EsIndex.resolve(client, options.index())
                .orElseThrow(() -> new SuppressRestartsException(new IllegalStateException("index " + options.index()
                        + " no longer exists in " + client.describe() + ": nothing more is written")));
        String live = t.flinkEmbed().path("fingerprint").asText("");
        String fingerprint = PendingWrites.upserts(changes).stream()
                .map(e -> e.modelFingerprint)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
        // "unknown": a version adopted from an index that had no chunk yet, so no model to hold writers to
        if (!live.isEmpty() && !live.equals("unknown") && fingerprint != null && !live.equals(fingerprint)) {
            throw new SuppressRestartsException(new IllegalStateException("index " + options.index()
                    + " is served by version " + t.flinkEmbed().path("version").asInt() + " (" + t.concrete()
                    + ", model " + t.flinkEmbed().path("model").asText() + ", fingerprint " + abbreviate(live)
                    + "), this job embeds with fingerprint " + abbreviate(fingerprint) + ": writing would mix two "
                    + "models' vectors. Restart this job with --model "
                    + t.flinkEmbed().path("model").asText()
                    + " (the model of the live version), or switch the index back with `flink-embed reindex "
                    + "--rollback`"));
        }
        if (live.isEmpty() && fingerprint != null && !implicitChecked) {
            checkImplicitVersion(t.concrete(), fingerprint);
            implicitChecked = true;
        }
        return t.concrete();
    }

    /** Whether the collection's first version, which records no model, was found to hold this job's (checked once). */
    private boolean implicitChecked;

    /**
     * A collection never versioned holds one model's vectors: a chunk of another fingerprint (another model, or the
     * same model in another model.precision) means this job would mix two models' vectors. One chunk tells, as every
     * writer checks before its first write.
     */
    private void checkImplicitVersion(String index, String fingerprint) throws IOException {
        Optional<String[]> held = EsSession.anyRowModel(client, index);
        if (held.isPresent() && !held.get()[1].equals(fingerprint)) {
            throw new SuppressRestartsException(new IllegalStateException("index " + options.index() + " holds vectors "
                    + "of model " + held.get()[0] + " (fingerprint " + abbreviate(held.get()[1]) + "), this job embeds "
                    + "with fingerprint " + abbreviate(fingerprint) + " (another model, or the same model with another "
                    + "model.precision): writing would mix two models' vectors in one index. To move the index to "
                    + "this job's model, run `flink-embed reindex` with the same model settings: it builds the new "
                    + "vectors as a version beside the live one and switches the alias when done (docs/reindex.md). "
                    + "Or write to another --index"));
        }
    }

    private static String abbreviate(String fingerprint) {
        return fingerprint.length() > 12 ? fingerprint.substring(0, 12) + "…" : fingerprint;
    }

    /** The chunk count chunk 0 of each document records now (0: none), read in real time. */
    private Map<String, Integer> oldCounts(String index, List<DocumentChange> changes) throws IOException {
        ObjectNode body = EsClient.JSON.createObjectNode();
        ArrayNode docs = body.putArray("docs");
        for (DocumentChange d : changes) {
            docs.addObject()
                    .put("_id", EsIndex.id(d.docId, 0))
                    .put("routing", EsIndex.routing(d.docId))
                    .putArray("_source")
                    .add("chunk_count");
        }
        JsonNode answer = client.call("POST", "/" + index + "/_mget", body);
        Map<String, Integer> counts = new HashMap<>();
        JsonNode found = answer.path("docs");
        for (int i = 0; i < found.size(); i++) {
            JsonNode d = found.get(i);
            if (d.path("found").asBoolean(false)) {
                counts.put(
                        changes.get(i).docId,
                        d.path("_source").path("chunk_count").asInt(0));
            }
        }
        return counts;
    }

    /** The items of one document's change: trims (highest first), lineage updates, chunks, and chunk 0 last. */
    private void appendChange(StringBuilder body, List<String> itemDocs, String index, DocumentChange d, int oldCount)
            throws IOException {
        String routing = EsIndex.routing(d.docId);
        for (int i = oldCount - 1; i >= Math.max(d.trimFrom, 1); i--) {
            action(body, itemDocs, "delete", index, d.docId, i, routing);
        }
        String lastLine = null;
        String lastAction = null;
        for (EmbeddedChunk e : d.lineage.values()) {
            String source = EsClient.JSON.writeValueAsString(EsClient.JSON
                    .createObjectNode()
                    .set(
                            "doc",
                            EsClient.JSON
                                    .createObjectNode()
                                    .put("chunk_count", e.chunkCount)
                                    .put("start_char", e.startChar)
                                    .put("end_char", e.endChar)
                                    .put(EsIndex.DOCUMENT_HASH, e.documentHash)));
            if (e.chunkIndex == 0) {
                lastAction = "update";
                lastLine = source;
            } else {
                action(body, itemDocs, "update", index, d.docId, e.chunkIndex, routing);
                body.append(source).append('\n');
            }
        }
        for (EmbeddedChunk e : d.chunks.values()) {
            String source = EsClient.JSON.writeValueAsString(source(e));
            if (e.chunkIndex == 0) {
                lastAction = "index";
                lastLine = source;
            } else {
                action(body, itemDocs, "index", index, d.docId, e.chunkIndex, routing);
                body.append(source).append('\n');
            }
        }
        if (lastAction != null) {
            action(body, itemDocs, lastAction, index, d.docId, 0, routing);
            body.append(lastLine).append('\n');
        } else if (d.trimFrom == 0 && oldCount > 0) {
            action(body, itemDocs, "delete", index, d.docId, 0, routing); // a deletion: chunk 0 goes last
        }
    }

    private static void action(
            StringBuilder body,
            List<String> itemDocs,
            String action,
            String index,
            String docId,
            int chunk,
            String routing)
            throws IOException {
        ObjectNode meta = EsClient.JSON.createObjectNode();
        meta.putObject(action)
                .put("_index", index)
                .put("_id", EsIndex.id(docId, chunk))
                .put("routing", routing);
        body.append(EsClient.JSON.writeValueAsString(meta)).append('\n');
        itemDocs.add(docId);
    }

    static ObjectNode source(EmbeddedChunk e) {
        ObjectNode n = EsClient.JSON.createObjectNode();
        n.put("doc_id", e.docId)
                .put("chunk_index", e.chunkIndex)
                .put("chunk_count", e.chunkCount)
                .put("text", e.text);
        if (e.title != null) {
            n.put("title", e.title);
        }
        if (e.metadata != null && !e.metadata.isEmpty()) {
            ObjectNode m = n.putObject("metadata");
            e.metadata.forEach(m::put);
        }
        n.put("start_char", e.startChar)
                .put("end_char", e.endChar)
                .put("token_count", e.tokenCount)
                .put("content_hash", e.contentHash)
                .put(EsIndex.DOCUMENT_HASH, e.documentHash)
                .put("model", e.model)
                .put("model_fingerprint", e.modelFingerprint)
                .put("embedded_at", e.embeddedAt);
        ArrayNode v = n.putArray(EsIndex.VECTOR);
        for (float x : e.embedding) {
            v.add(x);
        }
        return n;
    }

    /** Removes every chunk of a refused document (chunk 0 last) and hands it to the dead letters. */
    private void refuse(String index, DocumentChange d, int upTo, String why) throws IOException {
        documentsRefused.inc();
        LOG.warn(
                "{} refused document '{}' ({}): sent to the dead letters, its chunks removed",
                options.index(),
                RefusedDocuments.abbreviate(d.docId),
                why);
        StringBuilder body = new StringBuilder();
        List<String> docs = new ArrayList<>();
        for (int i = upTo - 1; i >= 0; i--) {
            action(body, docs, "delete", index, d.docId, i, EsIndex.routing(d.docId));
        }
        if (!docs.isEmpty()) {
            client.ndjson("/_bulk", body.toString());
        }
        refused.accept(refusedDocuments.refuse(
                d,
                "Elasticsearch refused the document (" + why + "); its chunks were removed from the index",
                "elasticsearch " + options.index()));
    }

    private void sleepFor(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while retrying a write to " + options, ie);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
