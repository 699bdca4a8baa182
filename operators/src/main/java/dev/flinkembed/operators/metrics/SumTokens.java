package dev.flinkembed.operators.metrics;

import dev.flinkembed.operators.records.EmbeddedChunk;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/** Passes embedded chunks through, adding their token counts to the {@link #TOKENS_EMBEDDED} accumulator. */
public final class SumTokens extends RichMapFunction<EmbeddedChunk, EmbeddedChunk> {

    public static final String TOKENS_EMBEDDED = "tokens-embedded";
    private transient AtomicLongCounter tokens;

    @Override
    public void open(OpenContext openContext) {
        tokens = AtomicLongCounter.register(getRuntimeContext(), TOKENS_EMBEDDED);
    }

    @Override
    public EmbeddedChunk map(EmbeddedChunk e) {
        tokens.add((long) e.tokenCount);
        return e;
    }
}
