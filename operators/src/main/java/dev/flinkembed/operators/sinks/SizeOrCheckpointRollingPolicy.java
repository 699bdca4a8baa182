package dev.flinkembed.operators.sinks;

import java.io.IOException;
import org.apache.flink.streaming.api.functions.sink.filesystem.PartFileInfo;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.CheckpointRollingPolicy;

/**
 * Rolls a Parquet part file on every checkpoint (a bulk format must) and also once it holds {@code maxBytes}: a bounded
 * job in BATCH mode takes no checkpoints, so without the size limit each slot would write one file for its whole share
 * of the corpus — 800 MB per slot at a million documents, hundreds of gigabytes at a billion.
 */
public final class SizeOrCheckpointRollingPolicy<IN, B> extends CheckpointRollingPolicy<IN, B> {

    private final long maxBytes;

    public SizeOrCheckpointRollingPolicy(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public boolean shouldRollOnEvent(PartFileInfo<B> partFile, IN element) throws IOException {
        return partFile.getSize() >= maxBytes;
    }

    @Override
    public boolean shouldRollOnProcessingTime(PartFileInfo<B> partFile, long currentTime) {
        return false;
    }
}
