package dev.flinkembed.operators.store;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import java.io.IOException;
import java.io.Serializable;
import java.util.function.Consumer;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes chunks to a store through a buffering {@link Writer} and emits the documents the store refused as dead
 * letters, so they join the job's dead-letter output (a Flink sink cannot emit records; an operator can). The buffer
 * is written when the writer says it is full, every {@code flushIntervalMillis}, at the end of input and in
 * {@link #prepareSnapshotPreBarrier}: before the checkpoint barrier goes downstream, so a checkpoint completes only
 * once everything before it is in the store, and the dead letters of those writes travel in the same checkpoint
 * (the dead-letter topic's transaction) as the rows they replace. Every store's writer runs inside this operator.
 */
public final class BufferedWriteOperator extends AbstractStreamOperator<DeadLetter>
        implements OneInputStreamOperator<EmbeddedChunk, DeadLetter>, BoundedOneInput {

    /** A store's buffering writer: idempotent writes, so a replay after a restore reaches the same rows. */
    public interface Writer extends AutoCloseable {
        /** Buffers {@code chunk}, writing the buffer when it is full. */
        void write(EmbeddedChunk chunk) throws IOException;

        boolean hasPending();

        /** Writes everything buffered; refused documents go to the writer's dead-letter consumer. */
        void flush() throws IOException;

        /** At the end of a bounded input: writes the rest and makes it visible to readers now. */
        default void finish() throws IOException {
            flush();
        }

        @Override
        void close();
    }

    /** Opens a store's writer on the TaskManager (checking the store again: a restore may meet a changed one). */
    public interface WriterFactory extends Serializable {
        Writer open(MetricGroup metrics, Consumer<DeadLetter> refused) throws IOException;
    }

    private final WriterFactory factory;
    private final long flushIntervalMillis;
    private transient Writer writer;
    private transient boolean timerSet;

    public BufferedWriteOperator(WriterFactory factory, long flushIntervalMillis) {
        this.factory = factory;
        this.flushIntervalMillis = flushIntervalMillis;
    }

    @Override
    public void open() throws Exception {
        super.open();
        writer = factory.open(getMetricGroup(), d -> output.collect(new StreamRecord<>(d)));
    }

    @Override
    public void processElement(StreamRecord<EmbeddedChunk> element) throws Exception {
        writer.write(element.getValue());
        if (!timerSet && writer.hasPending() && flushIntervalMillis > 0) {
            timerSet = true;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + flushIntervalMillis, t -> {
                timerSet = false;
                writer.flush();
            });
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        writer.flush();
    }

    @Override
    public void endInput() throws Exception {
        writer.finish();
    }

    @Override
    public void close() throws Exception {
        if (writer != null) {
            writer.close();
        }
        super.close();
    }
}
