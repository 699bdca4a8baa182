package dev.flinkembed.operators.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.IndexedChunk;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReindexDecisionTest {

    static final String MODEL = "fp-a";

    private static List<Chunk> chunks(String doc, String... hashes) {
        List<Chunk> out = new ArrayList<>();
        int pos = 0;
        for (int i = 0; i < hashes.length; i++) {
            Chunk c = new Chunk();
            c.docId = doc;
            c.chunkIndex = i;
            c.chunkCount = hashes.length;
            c.contentHash = hashes[i];
            c.startChar = pos;
            c.endChar = pos + hashes[i].length();
            pos = c.endChar;
            out.add(c);
        }
        return out;
    }

    /** The rows a previous run would have written for these chunks with this model. */
    private static List<IndexedChunk> rows(List<Chunk> chunks, String model) {
        return chunks.stream()
                .map(c -> IndexedChunk.of(
                        c.docId, c.chunkIndex, c.chunkCount, c.startChar, c.endChar, c.contentHash, model))
                .toList();
    }

    private static List<Integer> indexes(List<Chunk> cs) {
        return cs.stream().map(c -> c.chunkIndex).toList();
    }

    @Test
    void anUnchangedDocumentNeedsNothing() {
        List<Chunk> now = chunks("d", "aa", "bb", "cc");
        ReindexDecision d = ReindexDecision.decide(now, rows(now, MODEL), MODEL, true);
        assertThat(d.kind()).isEqualTo(ReindexDecision.Kind.UNCHANGED);
        assertThat(d.toEmbed()).isEmpty();
        assertThat(d.lineageUpdates()).isEmpty();
        assertThat(d.deleteDocument()).isFalse();
    }

    @Test
    void anEditInOneChunkEmbedsThatChunkOnly() {
        List<Chunk> before = chunks("d", "aa", "bb", "cc");
        List<Chunk> now = chunks("d", "aa", "bX", "cc");
        ReindexDecision d = ReindexDecision.decide(now, rows(before, MODEL), MODEL, true);
        assertThat(d.kind()).isEqualTo(ReindexDecision.Kind.CHANGED);
        assertThat(indexes(d.toEmbed())).containsExactly(1);
        assertThat(d.lineageUpdates()).isEmpty();
    }

    @Test
    void aLongerChunkShiftsTheNextOnesWhichKeepTheirVectorsButGetNewPositions() {
        List<Chunk> before = chunks("d", "aa", "bb", "cc");
        List<Chunk> now = chunks("d", "aaaa", "bb", "cc");
        ReindexDecision d = ReindexDecision.decide(now, rows(before, MODEL), MODEL, true);
        assertThat(indexes(d.toEmbed())).containsExactly(0);
        assertThat(indexes(d.lineageUpdates())).containsExactly(1, 2);
    }

    @Test
    void aShorterDocumentKeepsItsFirstChunksAndUpdatesTheirCount() {
        List<Chunk> before = chunks("d", "aa", "bb", "cc");
        List<Chunk> now = chunks("d", "aa", "bb");
        ReindexDecision d = ReindexDecision.decide(now, rows(before, MODEL), MODEL, true);
        assertThat(d.toEmbed()).isEmpty();
        assertThat(indexes(d.lineageUpdates()))
                .containsExactly(0, 1); // chunk_count 3 → 2; rows ≥ 2 trimmed by the sink
        assertThat(d.lineageUpdates()).allSatisfy(c -> assertThat(c.chunkCount).isEqualTo(2));
    }

    @Test
    void staleRowsBeyondTheEndAreTrimmedEvenWhenEverythingElseMatches() {
        List<Chunk> now = chunks("d", "aa", "bb");
        List<IndexedChunk> rows = new ArrayList<>(rows(now, MODEL));
        rows.add(IndexedChunk.of("d", 2, 3, 4, 6, "cc", MODEL)); // left by an interrupted run
        ReindexDecision d = ReindexDecision.decide(now, rows, MODEL, true);
        assertThat(d.kind()).isEqualTo(ReindexDecision.Kind.CHANGED);
        assertThat(indexes(d.lineageUpdates())).containsExactly(0);
    }

    @Test
    void anotherModelsVectorsAreEmbeddedAgain() {
        List<Chunk> now = chunks("d", "aa", "bb");
        ReindexDecision d = ReindexDecision.decide(now, rows(now, "fp-old"), MODEL, true);
        assertThat(indexes(d.toEmbed())).containsExactly(0, 1);
    }

    @Test
    void newAbsentAndDeletedDocuments() {
        List<Chunk> now = chunks("d", "aa");
        assertThat(ReindexDecision.decide(now, List.of(), MODEL, false).kind()).isEqualTo(ReindexDecision.Kind.NEW);
        List<IndexedChunk> indexed = rows(now, MODEL);
        ReindexDecision fullSync = ReindexDecision.decide(null, indexed, MODEL, true);
        assertThat(fullSync.kind()).isEqualTo(ReindexDecision.Kind.DELETED);
        assertThat(fullSync.deleteDocument()).isTrue();
        ReindexDecision incremental = ReindexDecision.decide(null, indexed, MODEL, false);
        assertThat(incremental.kind()).isEqualTo(ReindexDecision.Kind.ABSENT_KEPT);
        assertThat(incremental.deleteDocument()).isFalse();
        assertThat(ReindexDecision.decide(null, List.of(), MODEL, true).kind()).isEqualTo(ReindexDecision.Kind.NOTHING);
    }
}
