package dev.flinkembed.operators.reindex;

import dev.flinkembed.operators.chunking.Chunker;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.records.IndexedChunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What reindexing does with one document, decided per chunk from the document's chunks now and the rows the index
 * holds for it. A chunk whose position, content hash and model fingerprint are in the index is not embedded again;
 * if only its place changed (its characters, or the document's chunk count, after an edit elsewhere) its lineage
 * columns are updated without the model. Rows beyond the document's new chunk count go. A row that stays as it is
 * but holds another document hash (written before rows had one, or an unchanged chunk of a changed document) gets the
 * document's hash now, so the next run can skip the document without chunking it ({@link #unchangedByHash}).
 *
 * @param kind           what happened to the document
 * @param toEmbed        chunks the model must embed
 * @param lineageUpdates chunks whose vector stays but whose position or chunk count changes
 * @param hashUpdates    chunks whose vector and position stay but whose row records another document hash
 * @param deleteDocument remove every row of the document
 */
public record ReindexDecision(
        Kind kind, List<Chunk> toEmbed, List<Chunk> lineageUpdates, List<Chunk> hashUpdates, boolean deleteDocument) {

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
                return new ReindexDecision(Kind.NOTHING, List.of(), List.of(), List.of(), false);
            }
            return deleteAbsent
                    ? new ReindexDecision(Kind.DELETED, List.of(), List.of(), List.of(), true)
                    : new ReindexDecision(Kind.ABSENT_KEPT, List.of(), List.of(), List.of(), false);
        }
        if (rows.isEmpty()) {
            return new ReindexDecision(Kind.NEW, chunks, List.of(), List.of(), false);
        }
        Map<Integer, IndexedChunk> byIndex = new HashMap<>();
        boolean rowsBeyond = false;
        for (IndexedChunk r : rows) {
            byIndex.put(r.chunkIndex, r);
            rowsBeyond |= r.chunkIndex >= chunks.size();
        }
        List<Chunk> embed = new ArrayList<>();
        List<Chunk> lineage = new ArrayList<>();
        List<Chunk> hashes = new ArrayList<>();
        for (Chunk c : chunks) {
            IndexedChunk r = byIndex.get(c.chunkIndex);
            if (r == null || !c.contentHash.equals(r.contentHash) || !fingerprint.equals(r.modelFingerprint)) {
                embed.add(c);
            } else if (r.chunkCount != c.chunkCount || r.startChar != c.startChar || r.endChar != c.endChar) {
                lineage.add(c);
            } else if (c.documentHash != null && !c.documentHash.equals(r.documentHash)) {
                hashes.add(c);
            }
        }
        if (rowsBeyond && embed.isEmpty() && lineage.isEmpty()) {
            // Only stale rows beyond the end (an interrupted earlier run): any record of the document carries the trim.
            lineage.add(chunks.get(0));
        }
        Kind kind = embed.isEmpty() && lineage.isEmpty() ? Kind.UNCHANGED : Kind.CHANGED;
        return new ReindexDecision(kind, embed, lineage, hashes, false);
    }

    /**
     * Whether the index holds exactly what chunking {@code doc} would give, known without chunking it: every row
     * records {@code documentHash} (text, title and chunking options as now) and {@code fingerprint} (the model, its
     * tokenizer included), the rows are chunks 0..n-1 of a document of n chunks, and each row's content hash is that of
     * the document's text at the row's characters now ({@code prefix}: what is written before each chunk). The last
     * check keeps a row that another writer changed without updating its document hash from passing.
     */
    public static boolean unchangedByHash(
            Document doc, String prefix, String documentHash, List<IndexedChunk> rows, String fingerprint) {
        int n = rows.size();
        if (n == 0) {
            return false;
        }
        boolean[] seen = new boolean[n];
        for (IndexedChunk r : rows) {
            if (r.chunkCount != n
                    || r.chunkIndex < 0
                    || r.chunkIndex >= n
                    || seen[r.chunkIndex]
                    || !documentHash.equals(r.documentHash)
                    || !fingerprint.equals(r.modelFingerprint)
                    || r.startChar < 0
                    || r.startChar > r.endChar
                    || r.endChar > doc.text.length()) {
                return false;
            }
            seen[r.chunkIndex] = true;
        }
        for (IndexedChunk r : rows) {
            if (!Chunker.sha256(prefix + doc.text.substring(r.startChar, r.endChar))
                    .equals(r.contentHash)) {
                return false;
            }
        }
        return true;
    }
}
