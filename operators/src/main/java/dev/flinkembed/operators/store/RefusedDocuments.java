package dev.flinkembed.operators.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The documents a store refused, as its writer remembers them: a refused document's rows are removed and its later
 * chunks (a document longer than one batch) are skipped until a new version or a deletion of it arrives, so the store
 * never serves half of a version the source replaced. Also makes the dead letter of a refused document.
 */
public final class RefusedDocuments {

    /** Dead-letter kind of a document the store refused. */
    public static final String REFUSED_BY_STORE = "refused-by-store";
    /** Refused documents whose later chunks are still skipped; the oldest is forgotten beyond this. */
    private static final int REMEMBERED = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** doc id → chunk count of its refused version: later chunks of that version are skipped. */
    private final Map<String, Integer> versions = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** Whether {@code chunk} belongs to a refused version (skip it); a new version or a deletion is let through. */
    public boolean skip(EmbeddedChunk chunk) {
        Integer refusedCount = versions.get(chunk.docId);
        if (refusedCount == null) {
            return false;
        }
        if (!chunk.isDeletion() && chunk.chunkIndex > 0 && chunk.chunkCount == refusedCount) {
            return true; // the rest of a refused version: its dead letter already names the document
        }
        versions.remove(chunk.docId);
        return false;
    }

    /** Remembers {@code d} as refused; returns its dead letter ({@code why}: the store's reason, no bound values). */
    public DeadLetter refuse(PendingWrites.DocumentChange d, String message, String sink) {
        int count = d.chunks.isEmpty() ? -1 : d.chunks.lastEntry().getValue().chunkCount;
        if (count > 0) {
            versions.put(d.docId, count);
        }
        return DeadLetter.of(DeadLetter.WRITE, REFUSED_BY_STORE, message, sink, original(d))
                .forDocument(d.docId);
    }

    /** What the store was asked to hold, so the document can be fixed and replayed (chunk texts, no vectors). */
    static String original(PendingWrites.DocumentChange d) {
        ObjectNode n = JSON.createObjectNode().put("doc_id", d.docId);
        ArrayNode chunks = n.putArray("chunks");
        for (EmbeddedChunk c : d.chunks.values()) {
            n.put("chunk_count", c.chunkCount);
            if (c.title != null) {
                n.put("title", c.title);
            }
            if (c.metadata != null) {
                ObjectNode m = n.putObject("metadata");
                c.metadata.forEach(m::put);
            }
            chunks.addObject()
                    .put("chunk_index", c.chunkIndex)
                    .put("start_char", c.startChar)
                    .put("end_char", c.endChar)
                    .put("text", c.text);
        }
        return n.toString();
    }

    /** An id for log lines: long ids abbreviated. */
    public static String abbreviate(String id) {
        return id.length() > 80 ? id.substring(0, 80) + "… (" + id.length() + " characters)" : id;
    }
}
