package dev.flinkembed.operators.metrics;

import dev.flinkembed.operators.records.DeadLetter;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counts dead letters per stage and kind on their way to the dead-letter output: the Flink metric
 * {@code deadLetters.<stage>.<kind>} (for alerts on a cluster) and the accumulator {@code dead-letters/<stage>/<kind>}
 * (for the client's summary). Kinds are a short fixed vocabulary (README, "Bad records"), so the metrics stay few.
 */
public final class CountDeadLetters extends RichMapFunction<DeadLetter, DeadLetter> {

    /** Accumulator names start with this. */
    public static final String PREFIX = "dead-letters/";

    private transient MetricGroup group;
    private transient Map<String, Counter> counters;
    private transient Map<String, AtomicLongCounter> accumulators;

    @Override
    public void open(OpenContext openContext) {
        group = getRuntimeContext().getMetricGroup().addGroup("deadLetters");
        counters = new HashMap<>();
        accumulators = new HashMap<>();
    }

    @Override
    public DeadLetter map(DeadLetter d) {
        String stage = d.stage == null ? "unknown" : d.stage;
        String kind = d.kind == null ? "unknown" : d.kind;
        String key = stage + "/" + kind;
        counters.computeIfAbsent(key, k -> group.addGroup(stage).counter(kind)).inc();
        accumulators
                .computeIfAbsent(key, k -> AtomicLongCounter.register(getRuntimeContext(), PREFIX + k))
                .add(1L);
        return d;
    }
}
