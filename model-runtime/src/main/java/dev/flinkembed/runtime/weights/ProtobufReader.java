package dev.flinkembed.runtime.weights;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The few protobuf wire-format primitives needed to read an ONNX file's graph (no generated classes). */
final class ProtobufReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final ByteBuffer buf;

    ProtobufReader(ByteBuffer buf) {
        this.buf = buf;
    }

    boolean hasMore() {
        return buf.hasRemaining();
    }

    /** Reads a tag; returns field number << 3 | wire type. */
    int readTag() {
        return (int) readVarint();
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = buf.get();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("malformed varint in ONNX file");
    }

    /** A view of the next length-delimited field (no copy). */
    ByteBuffer readBytes() {
        int length = (int) readVarint();
        ByteBuffer slice = buf.slice(buf.position(), length);
        buf.position(buf.position() + length);
        return slice;
    }

    String readString() {
        ByteBuffer bytes = readBytes();
        byte[] array = new byte[bytes.remaining()];
        bytes.get(array);
        return new String(array, StandardCharsets.UTF_8);
    }

    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> buf.position(buf.position() + 8);
            case LENGTH_DELIMITED -> readBytes();
            case FIXED32 -> buf.position(buf.position() + 4);
            default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wireType);
        }
    }
}
