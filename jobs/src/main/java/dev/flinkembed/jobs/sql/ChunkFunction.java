package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.operators.chunking.ChunkingFunction;
import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.chunking.ModelChunker;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.sources.DocumentPolicy;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.functions.TableFunction;
import org.apache.flink.types.Row;

/**
 * {@code LATERAL TABLE(chunks(id, text [, title [, MAP['model.name', '…', 'chunking.max-tokens', '…']]]))}: a
 * document cut into exactly the chunks the bulk job makes — the same document rules ({@link DocumentPolicy}: NUL
 * characters removed, bad ids and empty texts refused), the model's own tokenizer, the same options and defaults
 * (the map takes the job configuration's {@code model.*} and {@code chunking.*} keys) — one row per chunk. Embed
 * {@code embed_text} (the title, when included, then the chunk), store {@code chunk_text}. A document the bulk job
 * would send to the dead letters comes out as one row with {@code chunk_error} set (kind: reason) and no chunk, so a
 * query can keep it ({@code WHERE chunk_error IS NOT NULL}); nothing disappears silently. With a change's {@code op}
 * (ML_PREDICT takes only append-only input, so a change stream is read as rows of changes, e.g. Debezium's JSON with
 * its {@code op}), a delete is one row with {@code chunk_count} 0 that the vector table applies in order with the
 * document's other changes.
 */
@FunctionHint(
        output = @DataTypeHint("ROW<chunk_index INT, chunk_count INT, chunk_text STRING, embed_text STRING, "
                        + "title STRING, start_char INT, end_char INT, token_count INT, content_hash STRING, "
                        + "chunk_error STRING>"))
public final class ChunkFunction extends TableFunction<Row> {

    /** Operations that upsert: Debezium's create, snapshot read and update, flink-embed's JSON Lines upsert. */
    static final Set<String> UPSERTS = new LinkedHashSet<>(List.of("c", "r", "u", "upsert"));
    /** Operations that delete: Debezium's and flink-embed's. */
    static final Set<String> DELETES = new LinkedHashSet<>(List.of("d", "delete"));

    private transient Map<String, String> openedWith;
    private transient ChunkingOptions chunking;
    private transient ModelChunker chunker;

    public void eval(String id, String text) {
        eval(id, text, null, null, Map.of());
    }

    public void eval(String id, String text, String title) {
        eval(id, text, title, null, Map.of());
    }

    public void eval(String id, String text, String title, String op) {
        eval(id, text, title, op, Map.of());
    }

    public void eval(
            String id, String text, String title, @DataTypeHint("MAP<STRING, STRING>") Map<String, String> options) {
        eval(id, text, title, null, options);
    }

    /**
     * @param op a change's operation: NULL, {@code c}, {@code r}, {@code u}, {@code upsert} chunk the document;
     *     {@code d} or {@code delete} give one deletion row ({@code chunk_count} 0, no text: ML_PREDICT answers NULL
     *     for it without the model, the vector table removes the document)
     */
    public void eval(
            String id,
            String text,
            String title,
            String op,
            @DataTypeHint("MAP<STRING, STRING>") Map<String, String> options) {
        open(options == null ? Map.of() : options);
        Document doc = new Document(id, text, title, null, Document.UPSERT);
        if (op != null && !UPSERTS.contains(op)) {
            if (!DELETES.contains(op)) {
                refused("bad-op", "op '" + op + "' is not one of " + UPSERTS + " (upsert) or " + DELETES + " (delete)");
                return;
            }
            doc.op = Document.DELETE;
        }
        DocumentPolicy.Refusal refusal = DocumentPolicy.admit(doc);
        if (refusal != null) {
            refused(refusal.kind(), refusal.reason());
            return;
        }
        if (Document.DELETE.equals(doc.op)) {
            collect(Row.of(null, 0, null, null, null, null, null, null, null, null));
            return;
        }
        DeadLetter tooLarge = ChunkingFunction.tooLarge(doc, chunking);
        if (tooLarge != null) {
            refused(tooLarge.kind, tooLarge.reason);
            return;
        }
        for (Chunk c : chunker.chunker().chunk(doc)) {
            collect(Row.of(
                    c.chunkIndex,
                    c.chunkCount,
                    c.text,
                    c.embedText,
                    c.title,
                    c.startChar,
                    c.endChar,
                    chunker.tokenCount(c.embedText),
                    c.contentHash,
                    null));
        }
    }

    private void refused(String kind, String reason) {
        collect(Row.of(null, null, null, null, null, null, null, null, null, kind + ": " + reason));
    }

    /** The chunker for {@code options}, opened on the first row (the map is a literal: the same for every row). */
    private void open(Map<String, String> options) {
        if (chunker != null && Objects.equals(options, openedWith)) {
            return;
        }
        close();
        try {
            JobConfig config = JobConfig.of(options);
            chunking = Settings.chunking(config);
            chunker = ModelChunker.open(Settings.embedding(config), chunking);
        } catch (ConfigException e) {
            // the same literal fails the same way after a restart
            throw new SuppressRestartsException(new ConfigException("function chunks: " + e.getMessage()));
        }
        openedWith = Map.copyOf(options);
    }

    @Override
    public void close() {
        if (chunker != null) {
            chunker.close();
            chunker = null;
        }
    }
}
