package dev.flinkembed.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.chunking.Chunker;
import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chunk function in a local TableEnvironment: the bulk job's chunker, its document rules, deletes, options. */
class ChunkFunctionTest {

    static TableEnvironment tables;
    static final String LONG = "Flink runs stateful computations over unbounded and bounded data streams. ".repeat(40);

    @BeforeAll
    static void environment() {
        tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tables.getConfig().set("parallelism.default", "1");
        tables.executeSql("CREATE TEMPORARY FUNCTION chunks AS '" + ChunkFunction.class.getName() + "'");
    }

    static List<Row> rows(String sql) throws Exception {
        List<Row> out = new ArrayList<>();
        try (CloseableIterator<Row> it = tables.executeSql(sql).collect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void theChunksAreTheBulkJobs() throws Exception {
        List<Row> got = rows("SELECT c.* FROM (VALUES ('doc-1', '" + LONG + "', 'Apache Flink')) AS d(id, text, "
                + "title), LATERAL TABLE(chunks(d.id, d.text, d.title)) AS c");
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            List<Chunk> expected = new Chunker(model.tokenizer(), ChunkingOptions.DEFAULT)
                    .chunk(new Document("doc-1", LONG, "Apache Flink", null, Document.UPSERT));
            assertThat(expected).hasSizeGreaterThan(1);
            assertThat(got).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                Chunk c = expected.get(i);
                Row r = got.get(i);
                assertThat(List.of(
                                r.getField("chunk_index"),
                                r.getField("chunk_count"),
                                r.getField("chunk_text"),
                                r.getField("embed_text"),
                                r.getField("start_char"),
                                r.getField("end_char"),
                                r.getField("token_count"),
                                r.getField("content_hash")))
                        .isEqualTo(List.of(
                                c.chunkIndex,
                                c.chunkCount,
                                c.text,
                                c.embedText,
                                c.startChar,
                                c.endChar,
                                model.prepare(EmbeddingInput.document(c.embedText))
                                        .tokenCount(),
                                c.contentHash));
                assertThat(r.getField("chunk_error")).isNull();
            }
        }
    }

    @Test
    void refusedDocumentsAndDeletesAreRowsOfTheirOwn() throws Exception {
        List<Row> got = rows("SELECT d.id, c.chunk_count, c.chunk_text, c.chunk_error FROM (VALUES "
                + "('a', CAST(NULL AS STRING), 'd'), ('b', '   ', 'c'), ('c', 'fine', 'x'), ('', 'fine', 'c'), "
                + "('e', 'fine', 'u')) AS d(id, text, op), LATERAL TABLE(chunks(d.id, d.text, "
                + "CAST(NULL AS STRING), d.op)) AS c");
        // One row each, in no promised order (a SQL result without ORDER BY; the collect sink has delivered them
        // reordered once).
        assertThat(got.stream().map(Row::toString).toList())
                .containsExactlyInAnyOrder(
                        "+I[a, 0, null, null]",
                        "+I[b, null, null, empty-field: field 'text' is empty once NUL characters are removed]",
                        "+I[c, null, null, bad-op: op 'x' is not one of [c, r, u, upsert] (upsert) or [d, delete] "
                                + "(delete)]",
                        "+I[, null, null, bad-id: the id is missing or empty]",
                        "+I[e, 1, fine, null]");
    }

    @Test
    void optionsAreTheJobConfigurationsKeys() throws Exception {
        List<Row> small = rows("SELECT c.chunk_index FROM (VALUES ('doc-1', '" + LONG + "')) AS d(id, text), "
                + "LATERAL TABLE(chunks(d.id, d.text, CAST(NULL AS STRING), MAP['chunking.max-tokens', '128'])) AS c");
        List<Row> defaults = rows("SELECT c.chunk_index FROM (VALUES ('doc-1', '" + LONG + "')) AS d(id, text), "
                + "LATERAL TABLE(chunks(d.id, d.text)) AS c");
        assertThat(small.size()).isGreaterThan(defaults.size());
        assertThatThrownBy(() -> rows("SELECT c.chunk_index FROM (VALUES ('doc-1', 'x')) AS d(id, text), LATERAL "
                        + "TABLE(chunks(d.id, d.text, CAST(NULL AS STRING), MAP['chunking.max-tokn', '128'])) AS c"))
                .rootCause()
                .hasMessageContaining(
                        "function chunks: unknown configuration key 'chunking.max-tokn'; did you mean 'chunking.max-tokens'?");
    }
}
