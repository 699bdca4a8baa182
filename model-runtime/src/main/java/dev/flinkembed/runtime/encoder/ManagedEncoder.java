package dev.flinkembed.runtime.encoder;

import ai.djl.ndarray.NDManager;
import dev.flinkembed.runtime.memory.NativeMemory;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What every architecture's encoder shares: the PyTorch manager that owns the weights (closing the encoder frees
 * them), the buffers PyTorch reads the weights from (kept reachable), and the accounting.
 */
public abstract class ManagedEncoder implements Encoder {

    protected final NDManager manager;
    private long weightBytes;
    private AutoCloseable linears = () -> {};

    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private List<ByteBuffer> retained = List.of();

    protected ManagedEncoder(NDManager manager) {
        this.manager = manager;
    }

    /** Records what the uploader loaded; call once all weights are uploaded. */
    protected final void loaded(WeightUploader uploader) {
        uploader.releaseUnread();
        weightBytes = uploader.bytes();
        retained = uploader.retained();
    }

    /** As {@link #loaded(WeightUploader)} for an encoder whose linear layers {@code linears} made (and frees). */
    protected final void loaded(WeightUploader uploader, LinearLayers linears) {
        loaded(uploader);
        this.linears = linears;
        this.weightBytes -= linears.bytesSaved();
    }

    @Override
    public int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public long weightBytes() {
        return weightBytes;
    }

    @Override
    public void close() {
        try {
            linears.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        manager.close();
        // Nothing reads the weights any more: give their native memory back now rather than at some later GC.
        retained.forEach(NativeMemory::free);
        retained = List.of();
    }
}
