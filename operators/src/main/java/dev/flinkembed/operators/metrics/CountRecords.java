package dev.flinkembed.operators.metrics;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Passes records through, counting them in an accumulator (for the client's progress lines). Sits after operators
 * that cannot have accumulators themselves, such as async functions; chained, so it costs a method call a record.
 */
public final class CountRecords<T> extends RichMapFunction<T, T> {

    private final String accumulator;
    private transient AtomicLongCounter counter;

    public CountRecords(String accumulator) {
        this.accumulator = accumulator;
    }

    @Override
    public void open(OpenContext openContext) {
        counter = AtomicLongCounter.register(getRuntimeContext(), accumulator);
    }

    @Override
    public T map(T value) {
        counter.add(1L);
        return value;
    }
}
