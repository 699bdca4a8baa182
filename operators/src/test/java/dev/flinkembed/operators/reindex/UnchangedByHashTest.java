package dev.flinkembed.operators.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.chunking.Chunker;
import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.chunking.DocumentHash;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.records.IndexedChunk;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reindex job's short cut: a document whose rows record its hash is known unchanged without being chunked. Each
 * case: the real chunker (the built-in model's tokenizer) writes the rows, then the document or the rows change.
 */
class UnchangedByHashTest {

    static final String MODEL = "fp-a";
    static final ChunkingOptions OPTIONS = new ChunkingOptions(48, 8, true);

    static InProcessEmbeddingModel model;
    static Chunker chunker;

    @BeforeAll
    static void open() {
        model = InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL));
        chunker = new Chunker(model.tokenizer(), OPTIONS);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Document doc(String text) {
        Document d = Document.of("d", text);
        d.title = "A package";
        return d;
    }

    static final String TEXT = "Sentence one of a long package description. ".repeat(30);

    /** The rows a run writes for {@code d}: each chunk with its document hash and the model's fingerprint. */
    static List<IndexedChunk> rowsOf(Document d, ChunkingOptions options) {
        List<IndexedChunk> out = new ArrayList<>();
        for (Chunk c : new Chunker(model.tokenizer(), options).chunk(d)) {
            out.add(IndexedChunk.of(
                    c.docId, c.chunkIndex, c.chunkCount, c.startChar, c.endChar, c.contentHash, MODEL, c.documentHash));
        }
        return out;
    }

    static boolean skipped(Document d, List<IndexedChunk> rows) {
        return ReindexDecision.unchangedByHash(
                d, chunker.titlePrefix(d.title), DocumentHash.of(d, OPTIONS), rows, MODEL);
    }

    @Test
    void theRowsOfTheSameDocumentSkipChunkingAndAgreeWithWhatChunkingWouldDecide() {
        Document d = doc(TEXT);
        List<IndexedChunk> rows = rowsOf(d, OPTIONS);
        assertThat(rows).hasSizeGreaterThan(3);
        assertThat(skipped(d, rows)).isTrue();
        ReindexDecision slow = ReindexDecision.decide(chunker.chunk(d), rows, MODEL, true);
        assertThat(slow.kind()).isEqualTo(ReindexDecision.Kind.UNCHANGED);
        assertThat(slow.hashUpdates()).isEmpty();
    }

    @Test
    void anyChangeOfTextTitleOrChunkingIsNotSkipped() {
        Document d = doc(TEXT);
        List<IndexedChunk> rows = rowsOf(d, OPTIONS);
        assertThat(skipped(doc(TEXT.replace("one of a long", "one of a LONG")), rows))
                .isFalse();
        assertThat(skipped(doc(TEXT + " "), rows)).as("a space appended").isFalse();
        Document retitled = doc(TEXT);
        retitled.title = "Another package";
        assertThat(skipped(retitled, rows)).isFalse();
        // The same text cut with another overlap: the hash differs, so the run chunks it again and finds new chunks.
        List<IndexedChunk> otherOverlap = rowsOf(d, new ChunkingOptions(48, 4, true));
        assertThat(skipped(d, otherOverlap)).isFalse();
        assertThat(ReindexDecision.decide(chunker.chunk(d), otherOverlap, MODEL, true)
                        .kind())
                .isEqualTo(ReindexDecision.Kind.CHANGED);
    }

    @Test
    void rowsThatAreIncompleteOfAnotherModelOrRewrittenByAnotherWriterAreNotSkipped() {
        Document d = doc(TEXT);
        List<IndexedChunk> rows = rowsOf(d, OPTIONS);
        assertThat(skipped(d, rows.subList(0, rows.size() - 1)))
                .as("a row missing")
                .isFalse();
        List<IndexedChunk> doubled = new ArrayList<>(rows);
        doubled.add(rows.get(1));
        assertThat(skipped(d, doubled)).as("a row twice").isFalse();
        assertThat(ReindexDecision.unchangedByHash(
                        d, chunker.titlePrefix(d.title), DocumentHash.of(d, OPTIONS), rows, "fp-b"))
                .as("another model")
                .isFalse();
        // A writer that knows no document hash (an older flink-embed) rewrote chunk 2 with other text: the row keeps
        // the hash it had, its content hash no longer matches the document's text at its characters.
        List<IndexedChunk> rewritten = rowsOf(d, OPTIONS);
        rewritten.get(2).contentHash = Chunker.sha256("something else");
        assertThat(skipped(d, rewritten)).isFalse();
        List<IndexedChunk> unhashed = rowsOf(d, OPTIONS);
        unhashed.forEach(r -> r.documentHash = null);
        assertThat(skipped(d, unhashed)).isFalse();
    }

    @Test
    void rowsWithoutTheHashGetItWithoutAnyOtherWrite() {
        Document d = doc(TEXT);
        List<IndexedChunk> unhashed = rowsOf(d, OPTIONS);
        unhashed.forEach(r -> r.documentHash = null);
        ReindexDecision first = ReindexDecision.decide(chunker.chunk(d), unhashed, MODEL, true);
        assertThat(first.kind()).isEqualTo(ReindexDecision.Kind.UNCHANGED);
        assertThat(first.toEmbed()).isEmpty();
        assertThat(first.lineageUpdates()).isEmpty();
        assertThat(first.hashUpdates()).hasSize(unhashed.size());
        assertThat(first.hashUpdates()).allMatch(c -> c.documentHash.equals(DocumentHash.of(d, OPTIONS)));
    }

    @Test
    void theUnchangedChunksOfAChangedDocumentGetItsNewHash() {
        Document before = doc(TEXT);
        Document now = doc(TEXT.substring(0, TEXT.length() - 20) + " reworded ending.");
        ReindexDecision d = ReindexDecision.decide(chunker.chunk(now), rowsOf(before, OPTIONS), MODEL, true);
        assertThat(d.kind()).isEqualTo(ReindexDecision.Kind.CHANGED);
        assertThat(d.toEmbed()).isNotEmpty();
        assertThat(d.hashUpdates()).isNotEmpty();
        int written =
                d.toEmbed().size() + d.lineageUpdates().size() + d.hashUpdates().size();
        assertThat(written)
                .as("every row of the document records the new hash")
                .isEqualTo(chunker.chunk(now).size());
    }
}
