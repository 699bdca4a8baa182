package dev.flinkembed.runtime.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.flinkembed.runtime.weights.Tensor;
import dev.flinkembed.runtime.weights.WeightSource;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Uploads a checkpoint's tensors into the shared weights manager after checking each one exists with the shape the
 * config implies (a wrong or truncated download fails naming the tensor), and keeps the buffers PyTorch reads from.
 */
public final class WeightUploader {

    private final WeightSource source;
    private final String prefix;
    private final NDManager manager;
    private final List<ByteBuffer> retained = new ArrayList<>();
    private long bytes;

    public WeightUploader(WeightSource source, String prefix, NDManager manager) {
        this.source = source;
        this.prefix = prefix;
        this.manager = manager;
    }

    /** The tensor {@code prefix + name}, which must have {@code shape}. */
    public NDArray load(String name, long... shape) {
        String full = prefix + name;
        if (!source.contains(full)) {
            throw new IllegalArgumentException(source.origin() + ": missing weight " + full);
        }
        Tensor t = source.get(full);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(source.origin() + ": weight " + full + " has shape "
                    + Arrays.toString(t.shape()) + ", the config implies " + Arrays.toString(shape));
        }
        bytes += t.elementCount() * 4;
        return NdOps.upload(manager, t, retained);
    }

    /** Float32 bytes uploaded so far. */
    public long bytes() {
        return bytes;
    }

    /** The memory PyTorch reads the weights from: the encoder must keep it reachable. */
    public List<ByteBuffer> retained() {
        return retained;
    }
}
