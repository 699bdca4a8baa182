package dev.flinkembed.operators.stores.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.RefusedDocuments;
import dev.flinkembed.operators.store.StoreLock;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.StoreVersion;
import dev.flinkembed.operators.testing.ElasticsearchNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Elasticsearch writer against a real node: refusals, retries, ordering, the model and lock checks. */
class EsWriterTest {

    private static ElasticsearchNode es;

    @BeforeAll
    static void start() throws Exception {
        es = ElasticsearchNode.shared();
    }

    /** The shared node (also for the other tests of this package that use these helpers). */
    static ElasticsearchNode node() {
        try {
            return ElasticsearchNode.shared();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static EsOptions options(String index, int dims) {
        return EsOptions.builder(node().url(), index, dims)
                .replicas(0)
                .batchSize(3)
                .maxRetries(4)
                .retryBackoffMillis(400)
                .flushIntervalMillis(0)
                .build();
    }

    static EmbeddedChunk chunk(String doc, int index, int count, String text, int dims) {
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = doc;
        e.chunkIndex = index;
        e.chunkCount = count;
        e.text = text;
        e.endChar = text.length();
        e.tokenCount = 3;
        e.contentHash = Integer.toHexString(text.hashCode());
        e.model = "test-model";
        e.modelFingerprint = "fp1";
        e.embeddedAt = 1_700_000_000_000L;
        e.embedding = new float[dims];
        for (int i = 0; i < dims; i++) {
            e.embedding[i] = (float) Math.sin(text.hashCode() + i * 0.37) / 7f;
        }
        return e;
    }

    static List<DeadLetter> write(EsOptions o, List<EmbeddedChunk> records) throws IOException {
        return write(o, records, null);
    }

    static List<DeadLetter> write(EsOptions o, List<EmbeddedChunk> records, EsLockFence fence) throws IOException {
        List<DeadLetter> refused = new ArrayList<>();
        EsIndex.prepare(new EsClient(o), o);
        try (EsWriter w = new EsWriter(o, UnregisteredMetricsGroup.createOperatorMetricGroup(), refused::add, fence)) {
            for (EmbeddedChunk c : records) {
                w.write(c);
            }
            w.finish();
        }
        return refused;
    }

    /** "doc#index/count text" of every chunk, sorted, as a reader sees them after a refresh. */
    static List<String> rows(String index) throws IOException {
        ElasticsearchNode es = node();
        es.admin("POST", "/" + index + "/_refresh", null);
        JsonNode hits = es.admin(
                        "POST",
                        "/" + index + "/_search",
                        "{\"size\":1000,\"sort\":[{\"doc_id\":\"asc\"},{\"chunk_index\":\"asc\"}],"
                                + "\"_source\":[\"doc_id\",\"chunk_index\",\"chunk_count\",\"text\"]}")
                .path("hits")
                .path("hits");
        List<String> out = new ArrayList<>();
        for (JsonNode h : hits) {
            JsonNode s = h.path("_source");
            String doc = s.path("doc_id").asText();
            out.add((doc.length() > 20 ? doc.substring(0, 20) + "…" : doc) + "#"
                    + s.path("chunk_index").asInt() + "/"
                    + s.path("chunk_count").asInt() + " " + s.path("text").asText());
        }
        return out;
    }

    @Test
    void aDocumentTheIndexRefusesIsADeadLetterAndTheRestOfItsBatchGoesIn() throws Exception {
        EsOptions o = options("refusals", 4);
        EmbeddedChunk zero = chunk("zero", 0, 2, "a vector of zeros", 4);
        zero.embedding = new float[4]; // cosine similarity has no direction for it: Elasticsearch refuses it
        String immense = "x".repeat(40_000); // a keyword longer than Lucene's 32,766-byte term limit
        List<DeadLetter> refused = write(
                o,
                List.of(
                        chunk("good", 0, 1, "fine", 4),
                        chunk("zero", 1, 2, "its second chunk", 4),
                        zero,
                        chunk(immense, 0, 1, "an id too long to index", 4),
                        chunk("after", 0, 1, "also fine", 4)));
        assertThat(rows("refusals")).containsExactly("after#0/1 also fine", "good#0/1 fine");
        assertThat(refused).extracting(d -> d.docId).containsExactlyInAnyOrder("zero", immense);
        for (DeadLetter d : refused) {
            assertThat(d.kind).isEqualTo(RefusedDocuments.REFUSED_BY_STORE);
            assertThat(d.reason).contains("Elasticsearch refused the document (400");
            assertThat(d.reason).doesNotContain("Preview of");
            assertThat(d.original).contains("\"doc_id\"");
        }
    }

    /** The mapping flink-embed made before {@code document_hash}, behind its alias, as an older version left it. */
    private static void createOldIndex(EsOptions o, String without) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode body = EsIndex.createBody(o, EsIndex.meta(o.dimensions()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) body.path("mappings").path("properties"))
                .remove(List.of(EsIndex.DOCUMENT_HASH, without));
        body.putObject("aliases").putObject(o.index());
        node().admin("PUT", "/" + o.index() + "__v1", body.toString());
    }

    @Test
    void anIndexMadeBeforeDocumentHashesGetsTheFieldAndItsChunksCarryIt() throws Exception {
        EsOptions o = options("before-hashes", 4);
        createOldIndex(o, EsIndex.DOCUMENT_HASH);
        EmbeddedChunk c = chunk("d", 0, 1, "text", 4);
        c.documentHash = "0123456789abcdef0123456789abcdef";
        write(o, List.of(c));
        JsonNode mapping = node().admin("GET", "/before-hashes/_mapping", null);
        assertThat(mapping.path("before-hashes__v1")
                        .path("mappings")
                        .path("properties")
                        .path(EsIndex.DOCUMENT_HASH)
                        .path("type")
                        .asText())
                .isEqualTo("keyword");
        node().admin("POST", "/before-hashes/_refresh", null);
        List<dev.flinkembed.operators.records.IndexedChunk> read = new ArrayList<>();
        EsIndexedChunksReader reader = new EsIndexedChunksReader(o, 10, 1);
        reader.flatMap(0L, new org.apache.flink.api.common.functions.util.ListCollector<>(read));
        assertThat(read)
                .singleElement()
                .satisfies(r -> assertThat(r.documentHash).isEqualTo(c.documentHash));
    }

    @Test
    void anIndexNotMadeByFlinkEmbedIsRefusedAndLeftAsItWas() throws Exception {
        EsOptions o = options("not-ours", 4);
        createOldIndex(o, "model");
        assertThatThrownBy(() -> EsIndex.prepare(new EsClient(o), o))
                .hasMessageContaining("is not a flink-embed vectors index")
                .hasMessageContaining("model (missing");
        JsonNode properties = node().admin("GET", "/not-ours/_mapping", null)
                .path("not-ours__v1")
                .path("mappings")
                .path("properties");
        assertThat(properties.has(EsIndex.DOCUMENT_HASH)).isFalse();
    }

    @Test
    void aWriteBlockIsRiddenOutWithRetriesAndNothingIsLost() throws Exception {
        EsOptions o = options("blocked", 4);
        EsIndex.prepare(new EsClient(o), o);
        es.admin("PUT", "/blocked/_settings", "{\"index.blocks.write\":true}");
        Thread lift = new Thread(() -> {
            try {
                Thread.sleep(1500);
                es.admin("PUT", "/blocked/_settings", "{\"index.blocks.write\":null}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        lift.start();
        List<DeadLetter> refused = write(
                o,
                List.of(
                        chunk("a", 0, 2, "one", 4),
                        chunk("a", 1, 2, "two", 4),
                        chunk("b", 0, 1, "three", 4),
                        chunk("c", 0, 1, "four", 4)));
        lift.join();
        assertThat(refused).isEmpty();
        assertThat(rows("blocked")).containsExactly("a#0/2 one", "a#1/2 two", "b#0/1 three", "c#0/1 four");
    }

    @Test
    void aShorterVersionAcrossFlushesLeavesNoChunkOfTheLongerOne() throws Exception {
        EsOptions o = options("versions-of-a-doc", 4);
        List<EmbeddedChunk> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(chunk("long", i, 5, "part " + i, 4));
        }
        write(o, five); // two flushes (batch size 3)
        assertThat(rows("versions-of-a-doc")).hasSize(5);
        write(o, List.of(chunk("long", 0, 2, "new part 0", 4), chunk("long", 1, 2, "new part 1", 4)));
        assertThat(rows("versions-of-a-doc")).containsExactly("long#0/2 new part 0", "long#1/2 new part 1");
        write(o, List.of(EmbeddedChunk.deletion("long", 1L)));
        assertThat(rows("versions-of-a-doc")).isEmpty();
    }

    @Test
    void anIdLongerThanElasticsearchsIdLimitIsStoredAndRemovedByItsHash() throws Exception {
        EsOptions o = options("long-ids", 4);
        String id = "é".repeat(400); // 800 bytes: more than the 512 an _id may hold, less than a keyword's limit
        assertThat(write(o, List.of(chunk(id, 0, 2, "first", 4), chunk(id, 1, 2, "second", 4))))
                .isEmpty();
        assertThat(rows("long-ids")).hasSize(2);
        write(o, List.of(EmbeddedChunk.deletion(id, 1L)));
        assertThat(rows("long-ids")).isEmpty();
    }

    @Test
    void aCollectionNeverVersionedRefusesAWriterOfAnotherFingerprint() throws Exception {
        // e.g. model.precision=int8 against vectors written in fp32: same model name, same dimensions
        EsOptions o = options("one-model", 4);
        write(o, List.of(chunk("a", 0, 1, "alpha", 4)));
        EmbeddedChunk int8 = chunk("b", 0, 1, "beta", 4);
        int8.modelFingerprint = "fp-int8";
        assertThatThrownBy(() -> write(o, List.of(int8)))
                .isInstanceOf(SuppressRestartsException.class)
                .cause()
                .hasMessageContaining("index one-model holds vectors of model test-model (fingerprint fp1)")
                .hasMessageContaining("another model.precision")
                .hasMessageContaining("flink-embed reindex");
        assertThat(rows("one-model")).containsExactly("a#0/1 alpha");
        write(o, List.of(chunk("c", 0, 1, "gamma", 4))); // the same fingerprint goes in
        assertThat(rows("one-model")).containsExactly("a#0/1 alpha", "c#0/1 gamma");
    }

    @Test
    void aWriterOfAnotherModelIsStoppedOnceTheAliasServesANewVersion() throws Exception {
        EsOptions o = options("switching", 4);
        write(o, List.of(chunk("a", 0, 1, "alpha", 4)));
        ElasticsearchStore store = new ElasticsearchStore(o);
        try (StoreSession s = store.open()) {
            StoreVersion v = s.startBuilding("model-2", "fp2", 4);
            EmbeddedChunk a2 = chunk("a", 0, 1, "alpha", 4);
            a2.modelFingerprint = "fp2";
            write(o.withIndex(v.physical(), 4), List.of(a2));
            s.finishBuilding(v);
            s.switchTo(v);
        }
        // a stream job started with the first model keeps writing to the stable name
        assertThatThrownBy(() -> write(o, List.of(chunk("b", 0, 1, "beta", 4))))
                .isInstanceOf(SuppressRestartsException.class)
                .cause()
                .hasMessageContaining("writing would mix two models' vectors")
                .hasMessageContaining("--model model-2");
        assertThat(rows("switching")).containsExactly("a#0/1 alpha");
    }

    @Test
    void aRunThatLostItsLockWritesNothing() throws Exception {
        EsOptions o = options("fenced", 4);
        ElasticsearchStore store = new ElasticsearchStore(o);
        store.prepare();
        EsLockFence fence;
        try (StoreLock lock = store.lock(60_000)) {
            fence = (EsLockFence) lock.fence();
            assertThat(write(o, List.of(chunk("a", 0, 1, "while held", 4)), fence))
                    .isEmpty();
        }
        assertThatThrownBy(() -> write(o, List.of(chunk("b", 0, 1, "after release", 4)), fence))
                .isInstanceOf(SuppressRestartsException.class)
                .cause()
                .hasMessageContaining("lost the lock");
        assertThat(rows("fenced")).containsExactly("a#0/1 while held");
    }
}
