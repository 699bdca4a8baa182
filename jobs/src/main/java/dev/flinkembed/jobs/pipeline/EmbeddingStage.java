package dev.flinkembed.jobs.pipeline;

import dev.flinkembed.jobs.progress.ProgressPrinter;
import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.embedding.EmbeddingFunction;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.embedding.RouteEmbeddingFailures;
import dev.flinkembed.operators.metrics.CountEmbeddedChunks;
import dev.flinkembed.operators.metrics.SumTokens;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The part every job shares: chunks → async embed (the slot's {@link dev.flinkembed.operators.embedding.EmbeddingBackend})
 * → chunks the backend refused to the dead letters → counted (chunks and tokens, for progress and summaries). The jobs
 * choose only what comes before (source, parse, partition, chunk or diff) and after (sinks) and whether order matters.
 *
 * @param vectors    the embedded chunks, counted, for the sinks
 * @param refused    chunks the backend refused (a remote server's 4xx for one input), as dead letters
 */
public record EmbeddingStage(DataStream<EmbeddedChunk> vectors, DataStream<DeadLetter> refused) {

    /**
     * @param ordered     keep each slot's input order (a table or topic that applies a document's changes in order);
     *                    unordered lets short chunks overtake long ones (Parquet snapshots)
     * @param parallelism fixed on every operator (the adaptive batch scheduler would otherwise size the model stage
     *                    by its input bytes, not by the model's work)
     */
    public static EmbeddingStage apply(
            DataStream<Chunk> chunks, EmbeddingOptions embedding, boolean ordered, int parallelism) {
        EmbeddingFunction embed = new EmbeddingFunction(embedding);
        long timeout = embedding.timeoutMillis();
        int capacity = embedding.capacity();
        SingleOutputStreamOperator<EmbeddedChunk> embedded = (ordered
                        ? AsyncDataStream.orderedWait(chunks, embed, timeout, TimeUnit.MILLISECONDS, capacity)
                        : AsyncDataStream.unorderedWait(chunks, embed, timeout, TimeUnit.MILLISECONDS, capacity))
                .setParallelism(parallelism)
                .name("embed")
                .uid("embed");
        SingleOutputStreamOperator<EmbeddedChunk> accepted = embedded.process(new RouteEmbeddingFailures())
                .setParallelism(parallelism)
                .name("route refused chunks")
                .uid("route-refused");
        DataStream<EmbeddedChunk> counted = accepted.map(new CountEmbeddedChunks(ProgressPrinter.CHUNKS_EMBEDDED))
                .setParallelism(parallelism)
                .name("count embedded")
                .uid("count-embedded")
                .map(new SumTokens())
                .setParallelism(parallelism)
                .name("count tokens")
                .uid("count-tokens");
        return new EmbeddingStage(counted, accepted.getSideOutput(DeadLetters.TAG));
    }
}
