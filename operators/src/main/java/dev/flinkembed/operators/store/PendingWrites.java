package dev.flinkembed.operators.store;

import dev.flinkembed.operators.records.EmbeddedChunk;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A store writer's buffer, folded per document so that one flush applies the net effect of everything received, in
 * order: for each document, delete its rows from {@code trimFrom} on, update the lineage of chunks whose vector stays
 * (reindex), then upsert its latest chunks (all below {@code trimFrom}). Chunks of a document arrive in order (the job partitions by document id and keeps order), so
 * a newer version or a deletion simply replaces what an older one left pending. Replaying the same records after a
 * restore reaches the same table: the writes are idempotent.
 */
public final class PendingWrites {

    /** One document's net change: rows with chunk_index ≥ trimFrom go; {@code chunks} are written. */
    public static final class DocumentChange {
        public final String docId;
        public int trimFrom;
        public final TreeMap<Integer, EmbeddedChunk> chunks = new TreeMap<>();
        /** Chunks whose vector stays: only position and chunk count are updated (reindex). */
        public final TreeMap<Integer, EmbeddedChunk> lineage = new TreeMap<>();

        DocumentChange(String docId) {
            this.docId = docId;
        }
    }

    private final Map<String, DocumentChange> byDocument = new LinkedHashMap<>();
    private int records;

    public void add(EmbeddedChunk c) {
        DocumentChange d = byDocument.computeIfAbsent(c.docId, DocumentChange::new);
        if (c.isDeletion()) {
            d.chunks.clear();
            d.lineage.clear();
            d.trimFrom = 0;
        } else {
            // A version with fewer chunks than the one still pending: its extra chunks must not be written.
            d.chunks.tailMap(c.chunkCount, true).clear();
            d.lineage.tailMap(c.chunkCount, true).clear();
            if (c.lineageOnly) {
                d.lineage.put(c.chunkIndex, c);
            } else {
                d.lineage.remove(c.chunkIndex);
                d.chunks.put(c.chunkIndex, c);
            }
            d.trimFrom = c.chunkCount;
        }
        records++;
    }

    /** Records received since the last {@link #clear} (what triggers a size-based flush). */
    public int records() {
        return records;
    }

    public boolean isEmpty() {
        return byDocument.isEmpty();
    }

    public Collection<DocumentChange> changes() {
        return byDocument.values();
    }

    public static List<EmbeddedChunk> upserts(Collection<DocumentChange> changes) {
        List<EmbeddedChunk> out = new ArrayList<>();
        for (DocumentChange d : changes) {
            out.addAll(d.chunks.values());
        }
        return out;
    }

    public static List<EmbeddedChunk> lineageUpdates(Collection<DocumentChange> changes) {
        List<EmbeddedChunk> out = new ArrayList<>();
        for (DocumentChange d : changes) {
            out.addAll(d.lineage.values());
        }
        return out;
    }

    public void clear() {
        byDocument.clear();
        records = 0;
    }
}
