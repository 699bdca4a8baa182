package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.store.BufferedWriteOperator;
import java.io.IOException;
import java.util.function.Consumer;
import org.apache.flink.metrics.MetricGroup;

/**
 * Opens a {@link PgVectorWriter} on the TaskManager, checking the table first (a restore may meet a changed one). Public
 * for the benchmarks, which drive the writer alone.
 */
public record PgVectorWriters(PgVectorOptions options, LockFence fence) implements BufferedWriteOperator.WriterFactory {

    @Override
    public BufferedWriteOperator.Writer open(MetricGroup metrics, Consumer<DeadLetter> refused) throws IOException {
        try {
            PgVectorSink.prepareTable(options); // cheap, and right when a restore meets a database that changed
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new PgVectorWriter(options, metrics, refused, fence);
    }
}
