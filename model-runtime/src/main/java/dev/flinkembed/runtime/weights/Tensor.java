package dev.flinkembed.runtime.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One named float32 tensor, little-endian, in a (usually direct or memory-mapped) buffer. Whatever the storage type in
 * the checkpoint (F32, F16, BF16), loaders hand out F32: BF16 aborts the JVM in DJL's PyTorch engine on this CPU, so it
 * is widened in Java while loading.
 */
public record Tensor(String name, long[] shape, ByteBuffer data) {

    public Tensor {
        data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long expected = elementCount(shape) * Float.BYTES;
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " needs "
                    + expected + " bytes of float32 but has " + data.remaining());
        }
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** Copies the values onto the heap (tests and small tensors only). */
    public float[] toFloatArray() {
        float[] out = new float[(int) elementCount()];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
