package dev.flinkembed.runtime.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.NativeResource;
import dev.flinkembed.runtime.memory.NativeMemory;
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
    /**
     * An uploaded array and the memory PyTorch reads it from; {@code owned}: ours to free (false: the source keeps
     * the buffer and may hand it out again).
     */
    private record Upload(NDArray array, ByteBuffer buffer, boolean owned) {}

    private final List<Upload> uploads = new ArrayList<>();

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
        List<ByteBuffer> buffer = new ArrayList<>(1);
        NDArray array = NdOps.upload(manager, t, buffer);
        // Ours to free: a copy made by the upload (a heap tensor), or a buffer the source made for this call alone.
        uploads.add(new Upload(array, buffer.get(0), !t.data().isDirect() || !source.keepsBuffers()));
        return array;
    }

    /**
     * Lets go of the buffers of uploaded arrays that were closed (weights concatenated, converted or packed into a
     * copy): PyTorch no longer reads them. Those that are ours are freed now, the source's are left to it.
     */
    public void releaseUnread() {
        uploads.removeIf(u -> {
            boolean unread = ((NativeResource<?>) u.array()).isReleased();
            if (unread && u.owned()) {
                NativeMemory.free(u.buffer());
            }
            return unread;
        });
    }

    /**
     * As {@link #load}, converted to float16 when {@code half}: the float32 copy is freed at once, so a model keeps
     * two bytes a parameter.
     */
    public NDArray loadMatrix(boolean half, String name, long... shape) {
        if (!half) {
            return load(name, shape);
        }
        NDArray f32 = load(name, shape);
        NDArray f16 = f32.toType(DataType.FLOAT16, true);
        f32.close();
        releaseUnread(); // PyTorch no longer reads that buffer
        bytes -= Tensor.elementCount(shape) * 2;
        return f16;
    }

    /** Bytes of weights held (4 a float32 value, 2 a float16 one). */
    public long bytes() {
        return bytes;
    }

    /** The memory PyTorch reads the weights from: the encoder must keep it reachable. */
    public List<ByteBuffer> retained() {
        return uploads.stream().map(Upload::buffer).toList();
    }
}
