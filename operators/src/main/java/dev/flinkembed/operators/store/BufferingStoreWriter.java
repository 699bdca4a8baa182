package dev.flinkembed.operators.store;

import dev.flinkembed.operators.records.EmbeddedChunk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * What every store's writer does before its store is involved: skips the rest of a refused document's version
 * ({@link RefusedDocuments}), folds chunks per document ({@link PendingWrites}) and writes the buffer when
 * {@code batchSize} records wait. The store writes one buffer at a time in {@link #writeChanges}.
 */
public abstract class BufferingStoreWriter implements BufferedWriteOperator.Writer {

    protected final RefusedDocuments refusedDocuments = new RefusedDocuments();
    /** The store's metric group, for its own counters. */
    protected final MetricGroup storeMetrics;

    private final PendingWrites pending = new PendingWrites();
    private final int batchSize;
    private final Counter chunksSkipped;

    /** @param metrics the store's metric group (its counter of skipped chunks is added there) */
    protected BufferingStoreWriter(int batchSize, MetricGroup metrics) {
        this.batchSize = batchSize;
        this.storeMetrics = metrics;
        this.chunksSkipped = metrics.counter("chunksOfRefusedDocumentsSkipped");
    }

    @Override
    public final void write(EmbeddedChunk chunk) throws IOException {
        if (refusedDocuments.skip(chunk)) {
            chunksSkipped.inc();
            return;
        }
        pending.add(chunk);
        if (pending.records() >= batchSize) {
            flush();
        }
    }

    @Override
    public final boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Writes everything buffered; the buffer is emptied once the store took it (refused documents included). */
    @Override
    public final void flush() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        writeChanges(new ArrayList<>(pending.changes()));
        pending.clear();
    }

    /** Writes the net change of each document, in order; refused documents go to the dead letters. */
    protected abstract void writeChanges(List<PendingWrites.DocumentChange> changes) throws IOException;
}
