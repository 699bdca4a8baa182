package dev.flinkembed.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/** The start of a safetensors file the benchmarks write: the header's length, the header, padding to 8 bytes. */
public final class SafetensorsHeader {

    private SafetensorsHeader() {}

    /** For tensors of {@code shapes}, in that order, all of {@code dtype} with {@code bytesPerValue}; data follows. */
    public static byte[] of(Map<String, long[]> shapes, String dtype, int bytesPerValue) {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (var e : shapes.entrySet()) {
            long bytes = bytesPerValue * Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            header.append(header.length() > 1 ? "," : "")
                    .append('"')
                    .append(e.getKey())
                    .append("\":{\"dtype\":\"")
                    .append(dtype)
                    .append("\",\"shape\":")
                    .append(Arrays.toString(e.getValue()))
                    .append(",\"data_offsets\":[")
                    .append(offset)
                    .append(',')
                    .append(offset + bytes)
                    .append("]}");
            offset += bytes;
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        while (out.hasRemaining()) {
            out.put((byte) ' ');
        }
        return out.array();
    }
}
