package dev.flinkembed.runtime.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One {@code .safetensors} file, memory-mapped: an 8-byte little-endian header length, a JSON header mapping tensor
 * names to dtype, shape and byte offsets, then the raw data. F32 tensors are served straight from the mapping; F16 and
 * BF16 are widened to F32 on access.
 */
public final class SafetensorsFile implements WeightSource {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(String dtype, long[] shape, long begin, long end) {}

    private final Path path;
    private final MappedByteBuffer mapped;
    private final long dataStart;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private SafetensorsFile(Path path, MappedByteBuffer mapped, long dataStart) {
        this.path = path;
        this.mapped = mapped;
        this.dataStart = dataStart;
    }

    public static SafetensorsFile open(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new IllegalArgumentException(path + ": not a safetensors file (" + size + " bytes)");
            }
            if (size > Integer.MAX_VALUE) {
                // One MappedByteBuffer addresses 2 GiB; Hugging Face shards checkpoints well below that.
                throw new IllegalArgumentException(path + ": " + size
                        + " bytes; safetensors files above 2 GiB are not supported, use a sharded checkpoint");
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            long headerLength = mapped.getLong(0);
            if (headerLength <= 0 || 8 + headerLength > size) {
                throw new IllegalArgumentException(path + ": corrupt safetensors header length " + headerLength
                        + " for a file of " + size + " bytes");
            }
            byte[] header = new byte[(int) headerLength];
            mapped.get(8, header);
            SafetensorsFile file = new SafetensorsFile(path, mapped, 8 + headerLength);
            file.parseHeader(new String(header, StandardCharsets.UTF_8), size);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read weights file " + path + ": " + e.getMessage(), e);
        }
    }

    private void parseHeader(String header, long fileSize) throws IOException {
        JsonNode root = JSON.readTree(header);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode node = field.getValue();
            String dtype = node.path("dtype").asText();
            JsonNode shapeNode = node.path("shape");
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong();
            }
            long begin = node.path("data_offsets").path(0).asLong();
            long end = node.path("data_offsets").path(1).asLong();
            int width = switch (dtype) {
                case "F32" -> 4;
                case "F16", "BF16" -> 2;
                default ->
                    throw new IllegalArgumentException(path + ": tensor " + field.getKey() + " has dtype " + dtype
                            + "; supported are F32, F16 and BF16");
            };
            if (end - begin != Tensor.elementCount(shape) * width || dataStart + end > fileSize || begin < 0) {
                throw new IllegalArgumentException(path + ": tensor " + field.getKey() + " has offsets [" + begin + ", "
                        + end + ") inconsistent with its shape and dtype " + dtype);
            }
            entries.put(field.getKey(), new Entry(dtype, shape, begin, end));
        }
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    @Override
    public Tensor get(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": no tensor named " + name);
        }
        ByteBuffer raw = mapped.slice((int) (dataStart + e.begin), (int) (e.end - e.begin))
                .order(ByteOrder.LITTLE_ENDIAN);
        return new Tensor(name, e.shape, widen(raw, e.dtype));
    }

    /** The stored bytes, not widened, under a shape whose element count matches 4-byte words (for hashing). */
    @Override
    public Tensor stored(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": no tensor named " + name);
        }
        ByteBuffer raw = mapped.slice((int) (dataStart + e.begin), (int) (e.end - e.begin));
        if (raw.remaining() % 4 != 0) {
            return get(name); // an odd count of 2-byte values: widen this (small) one
        }
        return new Tensor(name + "@" + e.dtype, new long[] {raw.remaining() / 4}, raw);
    }

    @Override
    public float[] row(String name, long row) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": no tensor named " + name);
        }
        if (e.shape.length != 2 || row < 0 || row >= e.shape[0]) {
            throw new IllegalArgumentException(
                    path + ": tensor " + name + Arrays.toString(e.shape) + " has no row " + row);
        }
        int width = (int) e.shape[1];
        int bytes = "F32".equals(e.dtype) ? 4 : 2;
        ByteBuffer raw = mapped.slice((int) (dataStart + e.begin + row * width * bytes), width * bytes)
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[width];
        widen(raw, e.dtype).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** F32 as it is; BF16 and F16 widened to F32 (BF16 aborts the JVM in DJL's PyTorch engine on this CPU). */
    private static ByteBuffer widen(ByteBuffer raw, String dtype) {
        return switch (dtype) {
            case "F32" -> raw;
            case "BF16" -> FloatConversions.bf16ToF32(raw);
            case "F16" -> FloatConversions.f16ToF32(raw);
            default -> throw new IllegalStateException(dtype);
        };
    }

    /** The storage type of a tensor as written in the file (F32, F16 or BF16). */
    public String dtype(String name) {
        Entry e = entries.get(name);
        return e == null ? null : e.dtype;
    }

    /** The header (names, shapes, dtypes, offsets) as text: cheap input for a weights fingerprint. */
    public Path path() {
        return path;
    }

    @Override
    public String origin() {
        return path.toString();
    }
}
