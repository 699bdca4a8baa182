package dev.flinkembed.operators.chunking;

import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.metrics.AtomicLongCounter;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.sources.DocumentPolicy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Splits documents into chunks with the model's tokenizer (leased from the JVM's shared model, so it costs no extra
 * weights). A delete operation becomes a deletion marker ({@link Chunk#deletion}) when the sink can apply it (a
 * pgvector table, a Kafka topic); for a Parquet output it goes to the dead letters.
 */
public final class ChunkingFunction extends ProcessFunction<Document, Chunk> {

    public static final String CHUNKS_CREATED = "chunks-created";
    /** Dead-letter kind: a delete for an output that cannot delete (Parquet files). */
    public static final String DELETE_UNSUPPORTED = "delete-unsupported";

    /** What a delete operation becomes: a deletion marker for sinks that delete, else a dead letter. */
    public enum Deletes {
        PASS_TO_SINK,
        DEAD_LETTER
    }

    private final EmbeddingOptions embedding;
    private final ChunkingOptions options;
    private final Deletes deletes;
    private transient ModelChunker modelChunker;
    private transient Chunker chunker;
    private transient Counter chunksOut;
    private transient AtomicLongCounter chunksAcc;

    /** The tokenizer is the embedding set-up's (without weights when the vectors come from a remote server). */
    public ChunkingFunction(EmbeddingOptions embedding, ChunkingOptions options, Deletes deletes) {
        this.embedding = embedding;
        this.options = options;
        this.deletes = deletes;
    }

    @Override
    public void open(OpenContext openContext) {
        modelChunker = ModelChunker.open(embedding, options);
        chunker = modelChunker.chunker();
        chunksOut = getRuntimeContext().getMetricGroup().counter("chunksCreated");
        chunksAcc = AtomicLongCounter.register(getRuntimeContext(), CHUNKS_CREATED);
    }

    @Override
    public void processElement(Document doc, Context ctx, Collector<Chunk> out) {
        if (Document.DELETE.equals(doc.op) && deletes == Deletes.PASS_TO_SINK) {
            out.collect(Chunk.deletion(doc));
            return;
        }
        if (Document.DELETE.equals(doc.op)) {
            ctx.output(
                    DeadLetters.TAG,
                    DeadLetter.of(
                                    DeadLetter.CHUNK,
                                    DELETE_UNSUPPORTED,
                                    "op 'delete' needs a sink that can delete (pgvector or Kafka), not Parquet files",
                                    "chunking",
                                    "{\"id\":\"" + doc.id + "\",\"op\":\"delete\"}")
                            .forDocument(doc.id));
            return;
        }
        DeadLetter tooLarge = tooLarge(doc, options);
        if (tooLarge != null) {
            ctx.output(DeadLetters.TAG, tooLarge);
            return;
        }
        for (Chunk c : chunker.chunk(doc)) {
            chunksOut.inc();
            chunksAcc.add(1L);
            out.collect(c);
        }
    }

    /** A dead letter for a document over chunking.max-document-chars, or null (shared with the reindex diff). */
    public static DeadLetter tooLarge(Document doc, ChunkingOptions options) {
        if (doc.text == null || doc.text.length() <= options.maxDocumentChars()) {
            return null;
        }
        return DeadLetter.of(
                        DeadLetter.CHUNK,
                        DocumentPolicy.TOO_LARGE,
                        "document '" + doc.id + "' has "
                                + doc.text.length() + " characters, more than chunking.max-document-chars ("
                                + options.maxDocumentChars() + "); raise the limit to embed it",
                        "chunking",
                        doc.toJsonLine())
                .forDocument(doc.id);
    }

    @Override
    public void close() {
        if (modelChunker != null) {
            modelChunker.close();
        }
    }
}
