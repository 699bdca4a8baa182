package dev.flinkembed.runtime.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.flinkembed.runtime.batching.PaddedBatch;
import dev.flinkembed.runtime.memory.NativeMemory;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.weights.Tensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** NDArray helpers shared by the architectures: weight upload, row lookup, masks and pooling. */
public final class NdOps {

    private NdOps() {}

    /**
     * Makes a tensor an NDArray of {@code manager} (the shared weights manager). A heap buffer is first copied to
     * {@link dev.flinkembed.runtime.memory.NativeMemory} (outside the JVM's direct-memory limit). A direct buffer is
     * used in place — PyTorch reads the memory-mapped file or the widened copy, no second copy is made — so the
     * caller must keep {@code retained} (the buffers) reachable for as long as the array lives.
     */
    public static NDArray upload(NDManager manager, Tensor t, List<ByteBuffer> retained) {
        ByteBuffer data = t.data();
        if (!data.isDirect()) {
            ByteBuffer copy = NativeMemory.allocate(data.remaining());
            copy.put(data.duplicate()).flip();
            data = copy;
        }
        retained.add(data);
        NDArray array = manager.create(data, new Shape(t.shape()), DataType.FLOAT32);
        array.setName(t.name());
        return array;
    }

    /** x · w, in w's precision: float32 activations are cast to float16 for float16 weights and back. */
    public static NDArray linear(NDArray x, NDArray w) {
        if (w.getDataType() == DataType.FLOAT16) {
            return x.toType(DataType.FLOAT16, false).matMul(w).toType(DataType.FLOAT32, false);
        }
        return x.matMul(w);
    }

    /** Builds an encoder that owns a new PyTorch manager, closing the manager if building fails. */
    public static <T> T withOwnManager(Function<NDManager, T> build) {
        NDManager manager = NDManager.newBaseManager("PyTorch");
        try {
            return build.apply(manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Runs one layer in its own scope, so its intermediate arrays are freed as soon as it is done (a forward pass
     * then needs the memory of one layer, not of all of them), and closes the layer's input.
     */
    public static NDArray layer(NDArray input, UnaryOperator<NDArray> body) {
        NDArray output;
        try (NDScope ignored = new NDScope()) {
            output = body.apply(input);
            NDScope.unregister(output);
        }
        input.close();
        return output;
    }

    /** Rows {@code ids} of a [rows, dim] table: an embedding lookup giving [ids.length, dim]. */
    public static NDArray rows(NDArray table, NDArray ids, NDManager into) {
        return table.get(into, new NDIndex("{}", ids));
    }

    /** [size, width] float mask of real tokens (1) and padding (0). */
    public static NDArray mask(NDManager m, PaddedBatch b) {
        return m.create(b.mask(), new Shape(b.size(), b.width())).toType(DataType.FLOAT32, false);
    }

    /** Pools hidden states [size, width, hidden] to [size, hidden]. */
    public static NDArray pool(NDArray hidden, NDArray mask, PaddedBatch b, Pooling pooling, NDManager m) {
        long dim = hidden.getShape().get(2);
        return switch (pooling) {
            case MEAN -> {
                NDArray summed = hidden.mul(mask.expandDims(2)).sum(new int[] {1});
                NDArray counts = mask.sum(new int[] {1}, true).maximum(1f);
                yield summed.div(counts);
            }
            case CLS -> hidden.get(new NDIndex(":, 0, :"));
            case LAST_TOKEN -> {
                long[] rows = new long[b.size()];
                for (int i = 0; i < b.size(); i++) {
                    rows[i] = (long) i * b.width() + Math.max(b.lengths()[i] - 1, 0);
                }
                yield rows(hidden.reshape(b.size() * (long) b.width(), dim), m.create(rows), m);
            }
        };
    }

    /** Copies [size, hidden] to the heap, one array a row. */
    public static float[][] toRows(NDArray pooled, int size) {
        float[] flat = pooled.toFloatArray();
        int dim = flat.length / Math.max(size, 1);
        float[][] out = new float[size][];
        for (int i = 0; i < size; i++) {
            out[i] = Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
        }
        return out;
    }
}
