package dev.flinkembed.operators.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.records.IndexedChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

/**
 * What every {@link VectorStore} must do, as the jobs rely on it: extend this with a real store (pgvector:
 * PgVectorStoreContractTest) and each behaviour below runs against it through the interface alone — writes through a
 * Flink job, reads through the store's own session and index scan.
 */
public abstract class VectorStoreContract {

    protected static final int DIMS = 8;

    /** A store over a collection of that name that does not exist yet. */
    protected abstract VectorStore newStore(String collection, int dimensions);

    protected static EmbeddedChunk chunk(String doc, int index, int count, String text, String fingerprint) {
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = doc;
        e.chunkIndex = index;
        e.chunkCount = count;
        e.text = text;
        e.endChar = text.length();
        e.tokenCount = 3;
        e.contentHash = Integer.toHexString(text.hashCode());
        e.model = "contract-model";
        e.modelFingerprint = fingerprint;
        e.embeddedAt = 1_700_000_000_000L;
        e.embedding = vector(text);
        return e;
    }

    protected static float[] vector(String text) {
        float[] v = new float[DIMS];
        double norm = 0;
        for (int i = 0; i < DIMS; i++) {
            v[i] = (float) Math.sin(text.hashCode() * 0.001 + i * 0.7);
            norm += v[i] * v[i];
        }
        for (int i = 0; i < DIMS; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    /** Writes through the store's Flink writer, as the jobs do; returns what it refused. */
    protected static List<DeadLetter> write(VectorStore store, EmbeddedChunk... chunks) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<DeadLetter> refused = new ArrayList<>();
        try (CloseableIterator<DeadLetter> it = store.write(
                        env.fromData(List.of(chunks), TypeInformation.of(EmbeddedChunk.class)), "contract-sink", null)
                .executeAndCollect()) {
            it.forEachRemaining(refused::add);
        }
        return refused;
    }

    /** The collection's rows as reindex sees them: "doc#index/count fingerprint", sorted. */
    protected static List<String> indexed(VectorStore store) throws Exception {
        return new ArrayList<>(new TreeSet<>(indexedInParts(store, 1)));
    }

    /** The rows as reindex reads them in {@code parts} parts side by side, duplicates kept, sorted. */
    protected static List<String> indexedInParts(VectorStore store, int parts) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parts);
        List<String> rows = new ArrayList<>();
        try (CloseableIterator<IndexedChunk> it = store.readIndexed(env, parts).executeAndCollect()) {
            it.forEachRemaining(
                    c -> rows.add(c.docId + "#" + c.chunkIndex + "/" + c.chunkCount + " " + c.modelFingerprint));
        }
        rows.sort(null);
        return rows;
    }

    @Test
    void aNewCollectionIsCreatedThenCheckedAndStartsEmpty() throws Exception {
        VectorStore store = newStore("contract_empty", DIMS);
        store.prepare();
        store.prepare(); // present now: checked, not created again
        assertThat(indexed(store)).isEmpty();
        try (StoreSession s = store.open()) {
            assertThat(s.lineage()).isEmpty();
            assertThat(s.versions(false)).isEmpty();
        }
    }

    @Test
    void chunksReplaceTheirDocumentsRowsAndDeletionsRemoveThem() throws Exception {
        VectorStore store = newStore("contract_rows", DIMS);
        store.prepare();
        assertThat(write(
                        store,
                        chunk("a", 0, 2, "alpha one", "fp1"),
                        chunk("a", 1, 2, "alpha two", "fp1"),
                        chunk("b", 0, 1, "beta", "fp1")))
                .isEmpty();
        assertThat(indexed(store)).containsExactly("a#0/2 fp1", "a#1/2 fp1", "b#0/1 fp1");
        // the same rows again: nothing changes (idempotent writes make replays harmless)
        write(store, chunk("a", 0, 2, "alpha one", "fp1"), chunk("a", 1, 2, "alpha two", "fp1"));
        assertThat(indexed(store)).containsExactly("a#0/2 fp1", "a#1/2 fp1", "b#0/1 fp1");
        // a new version of a with one chunk: its second row goes; a deletion removes b
        write(store, chunk("a", 0, 1, "alpha, shorter", "fp1"), EmbeddedChunk.deletion("b", 1_700_000_000_001L));
        assertThat(indexed(store)).containsExactly("a#0/1 fp1");
    }

    @Test
    void theIndexReadInPartsHoldsEveryRowOnce() throws Exception {
        VectorStore store = newStore("contract_parts", DIMS);
        store.prepare();
        List<EmbeddedChunk> chunks = new ArrayList<>();
        for (int d = 0; d < 120; d++) {
            int count = 1 + d % 3;
            for (int i = 0; i < count; i++) {
                chunks.add(chunk("doc-" + d, i, count, "text " + d + " part " + i, "fp1"));
            }
        }
        assertThat(write(store, chunks.toArray(EmbeddedChunk[]::new))).isEmpty();
        List<String> whole = indexedInParts(store, 1);
        assertThat(whole).hasSize(chunks.size()).doesNotHaveDuplicates();
        assertThat(indexedInParts(store, 3)).isEqualTo(whole);
        assertThat(indexedInParts(store, 7)).isEqualTo(whole); // more parts than some hash ranges have rows
    }

    @Test
    void searchFindsTheNearestChunkAndTheLineage() throws Exception {
        VectorStore store = newStore("contract_search", DIMS);
        store.prepare();
        write(
                store,
                chunk("x", 0, 1, "the sound server", "fp1"),
                chunk("y", 0, 1, "a text editor", "fp1"),
                chunk("z", 0, 1, "a web browser", "fp1"));
        try (StoreSession s = store.open()) {
            List<SearchHit> hits = s.nearest(vector("a text editor"), 2);
            assertThat(hits).hasSize(2);
            assertThat(hits.get(0).docId()).isEqualTo("y");
            assertThat(hits.get(0).rank()).isEqualTo(1);
            assertThat(hits.get(0).score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
            assertThat(hits.get(0).text()).isEqualTo("a text editor");
            assertThat(hits.get(1).score()).isLessThan(hits.get(0).score());
            assertThat(s.lineage()).contains(new Lineage("contract-model", "fp1", DIMS));
            assertThat(s.currentModel().orElseThrow().fingerprint()).isEqualTo("fp1");
        }
    }

    @Test
    void aNewVersionIsBuiltBesideTheLiveOneSwitchedToAndRolledBack() throws Exception {
        VectorStore store = newStore("contract_versions", DIMS);
        store.prepare();
        write(store, chunk("a", 0, 1, "alpha", "fp1"));
        try (StoreSession s = store.open()) {
            StoreVersion v = s.startBuilding("contract-model-2", "fp2", DIMS);
            VectorStore building = s.version(v);
            building.prepare();
            write(building, chunk("a", 0, 1, "alpha", "fp2"));
            s.finishBuilding(v);
            assertThat(s.currentModel().orElseThrow().fingerprint())
                    .as("readers keep the live one")
                    .isEqualTo("fp1");
            s.switchTo(v);
            assertThat(s.currentModel().orElseThrow().fingerprint()).isEqualTo("fp2");
            assertThat(indexed(s.live())).containsExactly("a#0/1 fp2");
            assertThat(s.versions(true))
                    .extracting(StoreVersion::state)
                    .contains(StoreVersion.LIVE, StoreVersion.PREVIOUS);
            StoreVersion back = s.rollback();
            assertThat(back.fingerprint()).isEqualTo("fp1");
            assertThat(s.currentModel().orElseThrow().fingerprint()).isEqualTo("fp1");
            assertThat(s.liveModel()).isPresent();
        }
    }

    @Test
    void oneReindexRunHoldsTheLockAtATime() {
        VectorStore store = newStore("contract_lock", DIMS);
        store.prepare();
        try (StoreLock first = store.lock(60_000)) {
            assertThat(first.lost()).isFalse();
            assertThat(first.fence()).isNotNull();
            assertThatThrownBy(() -> store.lock(60_000))
                    .isInstanceOf(StoreLock.HeldException.class)
                    .hasMessageContaining("another run");
        }
        try (StoreLock again = store.lock(60_000)) {
            assertThat(again.lost()).isFalse();
        }
    }
}
