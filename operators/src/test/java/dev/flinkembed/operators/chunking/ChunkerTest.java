package dev.flinkembed.operators.chunking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChunkerTest {

    static InProcessEmbeddingModel model;
    static ModelTokenizer tokenizer;

    @BeforeAll
    static void open() {
        model = InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL));
        tokenizer = model.tokenizer();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aDocumentThatFitsIsOneChunkWithItsWholeText() {
        Document d = Document.of("doc-1", "Debian is a free operating system.");
        List<Chunk> chunks = new Chunker(tokenizer, ChunkingOptions.DEFAULT).chunk(d);
        assertThat(chunks).hasSize(1);
        Chunk c = chunks.get(0);
        assertThat(c.text).isEqualTo(d.text);
        assertThat(c.startChar).isZero();
        assertThat(c.endChar).isEqualTo(d.text.length());
        assertThat(c.chunkIndex).isZero();
        assertThat(c.chunkCount).isEqualTo(1);
        assertThat(c.contentHash).hasSize(64);
    }

    @Test
    void aLongDocumentIsCutIntoOverlappingChunksThatFitTheModelAndCoverEveryToken() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            text.append("Sentence ").append(i).append(" of a long package description, with ünïcödé. ");
        }
        Document d = Document.of("long", text.toString());
        List<Chunk> chunks = new Chunker(tokenizer, new ChunkingOptions(128, 16, true)).chunk(d);
        assertThat(chunks.size()).isGreaterThan(10);
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertThat(c.chunkIndex).isEqualTo(i);
            assertThat(c.chunkCount).isEqualTo(chunks.size());
            assertThat(c.text).isEqualTo(d.text.substring(c.startChar, c.endChar));
            assertThat(tokenizer.encode(c.embedText).length()).isLessThanOrEqualTo(128);
            assertThat(tokenizer.encode(c.embedText).truncated()).isFalse();
            if (i > 0) {
                Chunk prev = chunks.get(i - 1);
                assertThat(c.startChar).as("overlap").isLessThan(prev.endChar).isGreaterThan(prev.startChar);
            }
        }
        assertThat(chunks.get(0).startChar).isZero();
        assertThat(chunks.get(chunks.size() - 1).endChar)
                .isEqualTo(d.text.strip().length());
    }

    @Test
    void anUntitledDocumentIsOneChunkExactlyWhenTheModelReadsItWhole() {
        // Untitled documents are not tokenized a second time to check that they fit: the spans must agree with
        // encode() at the model's limit (256 tokens with [CLS] and [SEP]), one token under, at and over it.
        for (int words = 250; words <= 258; words++) {
            String text = ("word ".repeat(words)).strip();
            List<Chunk> chunks = new Chunker(tokenizer, ChunkingOptions.DEFAULT).chunk(Document.of("d" + words, text));
            boolean whole = !tokenizer.encode(text).truncated();
            assertThat(chunks.size() == 1).as("%d words", words).isEqualTo(whole);
            assertThat(whole).as("%d words", words).isEqualTo(words <= 254);
            for (Chunk c : chunks) {
                assertThat(tokenizer.encode(c.embedText).truncated()).isFalse();
            }
        }
    }

    @Test
    void theTitleIsWrittenBeforeEachChunkAndCountsAgainstTheLimit() {
        Document d = new Document(
                "t", "word ".repeat(500), "A somewhat longer title for this document", null, Document.UPSERT);
        List<Chunk> chunks = new Chunker(tokenizer, new ChunkingOptions(64, 8, true)).chunk(d);
        for (Chunk c : chunks) {
            assertThat(c.embedText).startsWith("A somewhat longer title for this document\n");
            assertThat(tokenizer.encode(c.embedText).truncated()).isFalse();
        }
        List<Chunk> untitled = new Chunker(tokenizer, new ChunkingOptions(64, 8, false)).chunk(d);
        assertThat(untitled.get(0).embedText).doesNotStartWith("A somewhat");
        assertThat(untitled.size()).isLessThan(chunks.size());
    }

    @Test
    void chunksOfAQwen3ModelAreCountedInQwen3TokensWithItsEndOfTextToken() {
        java.nio.file.Path p = java.nio.file.Path.of("").toAbsolutePath();
        while (!java.nio.file.Files.exists(p.resolve("model-runtime/src/test/resources/fixtures"))) {
            p = p.getParent();
        }
        String fixture = p.resolve("model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny")
                .toString();
        try (InProcessEmbeddingModel qwen =
                InProcessEmbeddingModel.open(ModelOptions.defaults(fixture).withMaxTokens(64))) {
            ModelTokenizer t = qwen.tokenizer();
            assertThat(t.specialTokens()).isEqualTo(1); // <|endoftext|>
            Document d = Document.of("q", "北京是中华人民共和国的首都。Flink embeds documents. ".repeat(40));
            List<Chunk> chunks = new Chunker(t, new ChunkingOptions(null, 8, true)).chunk(d);
            assertThat(chunks.size()).isGreaterThan(5);
            for (Chunk c : chunks) {
                assertThat(c.text).isEqualTo(d.text.substring(c.startChar, c.endChar));
                var ids = t.encode(c.embedText);
                assertThat(ids.truncated()).isFalse();
                assertThat(ids.length()).isLessThanOrEqualTo(64);
                assertThat(ids.ids()[ids.length() - 1]).isEqualTo(151643);
            }
        }
    }

    @Test
    void impossibleSettingsFailNamingTheKey() {
        assertThatThrownBy(() -> new Chunker(tokenizer, new ChunkingOptions(1000, 8, true)))
                .hasMessageContaining("chunking.max-tokens")
                .hasMessageContaining("256");
        assertThatThrownBy(() -> new Chunker(tokenizer, new ChunkingOptions(64, 62, true)))
                .hasMessageContaining("chunking.overlap-tokens");
    }
}
