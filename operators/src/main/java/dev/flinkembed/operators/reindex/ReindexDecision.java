package dev.flinkembed.operators.reindex;

import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.IndexedChunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What reindexing does with one document, decided per chunk from the document's chunks now and the rows the index
 * holds for it. A chunk whose position, content hash and model fingerprint are in the index is not embedded again;
 * if only its place changed (its characters, or the document's chunk count, after an edit elsewhere) its lineage
 * columns are updated without the model. Rows beyond the document's new chunk count go.
 *
 * @param kind           what happened to the document
 * @param toEmbed        chunks the model must embed
 * @param lineageUpdates chunks whose vector stays but whose position or chunk count changes
 * @param deleteDocument remove every row of the document
 */
public record ReindexDecision(Kind kind, List<Chunk> toEmbed, List<Chunk> lineageUpdates, boolean deleteDocument) {

    /** NEW: not in the index. CHANGED: some chunk differs. ABSENT_KEPT: in the index only, incremental mode. */
    public enum Kind {
        UNCHANGED,
        CHANGED,
        NEW,
        DELETED,
        ABSENT_KEPT,
        NOTHING
    }

    /**
     * @param chunks      the document's chunks now; null when the document is not in the input (or is a delete)
     * @param rows        the index's rows of the document (any order; empty when not indexed)
     * @param fingerprint the job's model fingerprint
     * @param deleteAbsent full-sync: a document in the index but not in the input is deleted
     */
    public static ReindexDecision decide(
            List<Chunk> chunks, List<IndexedChunk> rows, String fingerprint, boolean deleteAbsent) {
        if (chunks == null) {
            if (rows.isEmpty()) {
                return new ReindexDecision(Kind.NOTHING, List.of(), List.of(), false);
            }
            return deleteAbsent
                    ? new ReindexDecision(Kind.DELETED, List.of(), List.of(), true)
                    : new ReindexDecision(Kind.ABSENT_KEPT, List.of(), List.of(), false);
        }
        if (rows.isEmpty()) {
            return new ReindexDecision(Kind.NEW, chunks, List.of(), false);
        }
        Map<Integer, IndexedChunk> byIndex = new HashMap<>();
        boolean rowsBeyond = false;
        for (IndexedChunk r : rows) {
            byIndex.put(r.chunkIndex, r);
            rowsBeyond |= r.chunkIndex >= chunks.size();
        }
        List<Chunk> embed = new ArrayList<>();
        List<Chunk> lineage = new ArrayList<>();
        for (Chunk c : chunks) {
            IndexedChunk r = byIndex.get(c.chunkIndex);
            if (r == null || !c.contentHash.equals(r.contentHash) || !fingerprint.equals(r.modelFingerprint)) {
                embed.add(c);
            } else if (r.chunkCount != c.chunkCount || r.startChar != c.startChar || r.endChar != c.endChar) {
                lineage.add(c);
            }
        }
        if (rowsBeyond && embed.isEmpty() && lineage.isEmpty()) {
            // Only stale rows beyond the end (an interrupted earlier run): any record of the document carries the trim.
            lineage.add(chunks.get(0));
        }
        Kind kind = embed.isEmpty() && lineage.isEmpty() ? Kind.UNCHANGED : Kind.CHANGED;
        return new ReindexDecision(kind, embed, lineage, false);
    }
}
