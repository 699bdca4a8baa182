package dev.flinkembed.operators.chunking;

import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.metrics.AtomicLongCounter;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.runtime.loading.ModelOptions;
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

    private final ModelOptions model;
    private final ChunkingOptions options;
    private final boolean passDeletions;
    private final boolean tokenizerOnly;
    private transient ModelChunker modelChunker;
    private transient Chunker chunker;
    private transient Counter chunksOut;
    private transient AtomicLongCounter chunksAcc;

    public ChunkingFunction(ModelOptions model, ChunkingOptions options) {
        this(model, options, false);
    }

    public ChunkingFunction(ModelOptions model, ChunkingOptions options, boolean passDeletions) {
        this(model, options, passDeletions, false);
    }

    /** {@code tokenizerOnly}: the vectors come from a remote server, so load the tokenizer without the weights. */
    public ChunkingFunction(ModelOptions model, ChunkingOptions options, boolean passDeletions, boolean tokenizerOnly) {
        this.model = model;
        this.options = options;
        this.passDeletions = passDeletions;
        this.tokenizerOnly = tokenizerOnly;
    }

    @Override
    public void open(OpenContext openContext) {
        modelChunker = ModelChunker.open(model, options, tokenizerOnly);
        chunker = modelChunker.chunker();
        chunksOut = getRuntimeContext().getMetricGroup().counter("chunksCreated");
        chunksAcc = AtomicLongCounter.register(getRuntimeContext(), CHUNKS_CREATED);
    }

    @Override
    public void processElement(Document doc, Context ctx, Collector<Chunk> out) {
        if (Document.DELETE.equals(doc.op) && passDeletions) {
            out.collect(Chunk.deletion(doc));
            return;
        }
        if (Document.DELETE.equals(doc.op)) {
            ctx.output(DeadLetters.TAG, DeadLetter.of("op 'delete' needs a sink that can delete (pgvector or Kafka), not Parquet files",
                    "chunking", "{\"id\":\"" + doc.id + "\",\"op\":\"delete\"}"));
            return;
        }
        for (Chunk c : chunker.chunk(doc)) {
            chunksOut.inc();
            chunksAcc.add(1L);
            out.collect(c);
        }
    }

    @Override
    public void close() {
        if (modelChunker != null) {
            modelChunker.close();
        }
    }
}
