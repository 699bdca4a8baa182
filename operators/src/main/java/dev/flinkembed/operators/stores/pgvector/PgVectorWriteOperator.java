package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import java.io.IOException;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes chunks to a pgvector table and emits the documents the table refused as dead letters, so they join the
 * job's dead-letter output (a Flink sink cannot emit records; an operator can). The buffer is written when
 * {@code batchSize} records wait, every {@code flushIntervalMillis}, at the end of input and in
 * {@link #prepareSnapshotPreBarrier}: before the checkpoint barrier goes downstream, so a checkpoint completes only
 * once everything before it is in the table, and the dead letters of those writes travel in the same checkpoint
 * (the dead-letter topic's transaction) as the rows they replace.
 */
final class PgVectorWriteOperator extends AbstractStreamOperator<DeadLetter>
        implements OneInputStreamOperator<EmbeddedChunk, DeadLetter>, BoundedOneInput {

    private final PgVectorOptions options;
    private final LockFence fence;
    private transient PgVectorWriter writer;
    private transient boolean timerSet;

    PgVectorWriteOperator(PgVectorOptions options, LockFence fence) {
        this.options = options;
        this.fence = fence;
    }

    @Override
    public void open() throws Exception {
        super.open();
        try {
            PgVectorSink.prepareTable(options); // cheap, and right when a restore meets a database that changed
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        writer = new PgVectorWriter(options, getMetricGroup(), d -> output.collect(new StreamRecord<>(d)), fence);
    }

    @Override
    public void processElement(StreamRecord<EmbeddedChunk> element) throws Exception {
        writer.write(element.getValue());
        if (!timerSet && writer.hasPending() && options.flushIntervalMillis() > 0) {
            timerSet = true;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + options.flushIntervalMillis(), t -> {
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
        writer.flush();
    }

    @Override
    public void close() throws Exception {
        if (writer != null) {
            writer.close();
        }
        super.close();
    }
}
