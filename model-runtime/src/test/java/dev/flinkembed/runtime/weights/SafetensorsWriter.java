package dev.flinkembed.runtime.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes safetensors files the way the Python library does, for tests (F32, F16 or BF16 storage). */
public final class SafetensorsWriter {

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, Tensor> tensors, String dtype) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        Map<String, byte[]> data = new LinkedHashMap<>();
        long offset = 0;
        for (Tensor t : tensors.values()) {
            byte[] bytes = encode(t.toFloatArray(), dtype);
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", dtype);
            var shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes.length);
            offset += bytes.length;
            data.put(t.name(), bytes);
        }
        byte[] headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(padded)
                    .array());
            out.write(headerBytes);
            for (int i = headerBytes.length; i < padded; i++) {
                out.write(' ');
            }
            for (byte[] b : data.values()) {
                out.write(b);
            }
        }
    }

    static byte[] encode(float[] values, String dtype) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * (dtype.equals("F32") ? 4 : 2))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case "F32" -> buf.putFloat(v);
                case "BF16" -> buf.putShort((short) (Float.floatToIntBits(v) >>> 16)); // truncation: exact for tests
                case "F16" -> buf.putShort(floatToHalf(v));
                default -> throw new IllegalArgumentException(dtype);
            }
        }
        return buf.array();
    }

    /** float → binary16, round-to-nearest for normal numbers (enough for test values). */
    static short floatToHalf(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
        int mant = bits & 0x7FFFFF;
        if (exp <= 0) {
            return (short) sign; // flush tiny values to zero
        }
        if (exp >= 31) {
            return (short) (sign | 0x7C00);
        }
        int half = sign | (exp << 10) | (mant >>> 13);
        if ((mant & 0x1000) != 0) {
            half++;
        }
        return (short) half;
    }

    public static Tensor tensor(String name, long[] shape, float... values) {
        ByteBuffer buf = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return new Tensor(name, shape, buf.flip());
    }
}
