package dev.flinkembed.operators.stores.elasticsearch;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.store.BufferedWriteOperator;
import java.io.IOException;
import java.util.function.Consumer;
import org.apache.flink.metrics.MetricGroup;

/** Opens an {@link EsWriter} on the TaskManager, checking the index first (a restore may meet a changed one). */
record EsWriters(EsOptions options, EsLockFence fence) implements BufferedWriteOperator.WriterFactory {

    @Override
    public BufferedWriteOperator.Writer open(MetricGroup metrics, Consumer<DeadLetter> refused) throws IOException {
        try {
            EsIndex.prepare(new EsClient(options), options);
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new EsWriter(options, metrics, refused, fence);
    }
}
