package dev.flinkembed.operators.metrics;

import dev.flinkembed.runtime.api.BatchStats;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Flink metrics of the embedding operator, fed by the micro-batcher after each flush (on its own thread, hence the
 * thread-safe counters): chunks/s, tokens/s, chunks per flush, padding ratio, model latency.
 */
public final class EmbeddingMetrics {

    private final Counter chunks = new ThreadSafeSimpleCounter();
    private final Counter tokens = new ThreadSafeSimpleCounter();
    private final Histogram latencyMillis = new DescriptiveStatisticsHistogram(1000);
    private volatile long lastBatchSize;
    private volatile double lastPaddingRatio;

    public EmbeddingMetrics(MetricGroup group) {
        MetricGroup g = group.addGroup("embedding");
        g.counter("chunks", chunks);
        g.counter("tokens", tokens);
        g.meter("chunksPerSecond", new MeterView(chunks));
        g.meter("tokensPerSecond", new MeterView(tokens));
        g.gauge("batchSize", () -> lastBatchSize);
        g.gauge("paddingRatio", () -> lastPaddingRatio);
        g.histogram("modelLatencyMillis", latencyMillis);
    }

    public void onBatch(BatchStats stats) {
        chunks.inc(stats.sequences());
        tokens.inc(stats.realTokens());
        lastBatchSize = stats.sequences();
        lastPaddingRatio = stats.paddingRatio();
        latencyMillis.update(stats.nanos() / 1_000_000);
    }
}
