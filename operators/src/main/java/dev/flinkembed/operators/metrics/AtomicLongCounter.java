package dev.flinkembed.operators.metrics;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.accumulators.SimpleAccumulator;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * A long-sum accumulator that may be added to from another thread than the task's (the micro-batcher completes
 * records on its own thread). The client reads accumulators of a running job to print progress.
 */
public final class AtomicLongCounter implements SimpleAccumulator<Long> {

    private final AtomicLong value = new AtomicLong();

    public static AtomicLongCounter register(RuntimeContext ctx, String name) {
        Accumulator<Long, Long> existing = ctx.getAccumulator(name);
        if (existing instanceof AtomicLongCounter c) {
            return c;
        }
        AtomicLongCounter c = new AtomicLongCounter();
        ctx.addAccumulator(name, c);
        return c;
    }

    @Override
    public void add(Long v) {
        value.addAndGet(v);
    }

    @Override
    public Long getLocalValue() {
        return value.get();
    }

    @Override
    public void resetLocal() {
        value.set(0);
    }

    @Override
    public void merge(Accumulator<Long, Long> other) {
        value.addAndGet(other.getLocalValue());
    }

    @Override
    public AtomicLongCounter clone() {
        AtomicLongCounter c = new AtomicLongCounter();
        c.value.set(value.get());
        return c;
    }
}
