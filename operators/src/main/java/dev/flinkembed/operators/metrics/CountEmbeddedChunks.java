package dev.flinkembed.operators.metrics;

import dev.flinkembed.operators.records.EmbeddedChunk;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Passes embedded chunks through, counting those the model embedded in an accumulator (for the client's progress
 * lines and summaries): a deleted document's marker and a chunk that only carries lineage pass uncounted. Sits after
 * the async embedding operator, which cannot have accumulators itself; chained, so it costs a method call a record.
 */
public final class CountEmbeddedChunks extends RichMapFunction<EmbeddedChunk, EmbeddedChunk> {

    private final String accumulator;
    private transient AtomicLongCounter counter;

    public CountEmbeddedChunks(String accumulator) {
        this.accumulator = accumulator;
    }

    @Override
    public void open(OpenContext openContext) {
        counter = AtomicLongCounter.register(getRuntimeContext(), accumulator);
    }

    @Override
    public EmbeddedChunk map(EmbeddedChunk value) {
        if (value.chunkCount > 0 && !value.lineageOnly) {
            counter.add(1L);
        }
        return value;
    }
}
