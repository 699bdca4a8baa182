package dev.flinkembed.runtime.weights;

import dev.flinkembed.runtime.memory.NativeMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Widening of half-precision storage formats to float32 (little-endian in, little-endian native buffer out, outside the JVM's direct-memory limit). */
final class FloatConversions {

    private FloatConversions() {}

    static ByteBuffer bf16ToF32(ByteBuffer src) {
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = in.remaining() / 2;
        ByteBuffer out = NativeMemory.allocate(n * 4L);
        for (int i = 0; i < n; i++) {
            int bits = in.getShort() & 0xFFFF;
            out.putInt(bits << 16);
        }
        return out.flip();
    }

    static ByteBuffer f16ToF32(ByteBuffer src) {
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = in.remaining() / 2;
        ByteBuffer out = NativeMemory.allocate(n * 4L);
        for (int i = 0; i < n; i++) {
            out.putFloat(halfToFloat(in.getShort() & 0xFFFF));
        }
        return out.flip();
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat only exists from Java 20). */
    static float halfToFloat(int h) {
        int sign = (h >>> 15) & 1;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        float value;
        if (exp == 0) {
            value = (float) (mant * Math.pow(2, -24)); // subnormal
        } else if (exp == 31) {
            value = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            value = Float.intBitsToFloat(((exp - 15 + 127) << 23) | (mant << 13));
        }
        return sign == 1 ? -value : value;
    }
}
