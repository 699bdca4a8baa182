package dev.flinkembed.runtime.weights;

import dev.flinkembed.runtime.memory.NativeMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights stored as initializers in an ONNX model exported from a Hugging Face PyTorch model. Most initializers
 * keep their PyTorch names ({@code encoder.layer.0.attention.output.LayerNorm.weight}); the exporter renames the
 * weights of linear layers to {@code onnx::MatMul_NNN} and stores them transposed ([in, out]). Those are found through
 * the MatMul node that reads them ({@code /encoder/layer.0/attention/self/query/MatMul} →
 * {@code encoder.layer.0.attention.self.query.weight}) and transposed back to PyTorch's [out, in] layout, so that every
 * loader hands the model code the same names and layouts.
 */
public final class OnnxInitializers implements WeightSource {

    private static final int FLOAT = 1;
    private static final int FLOAT16 = 10;
    private static final int BFLOAT16 = 16;

    private record Initializer(String name, long[] dims, int dataType, ByteBuffer raw) {}

    private record Node(String name, String opType, List<String> inputs) {}

    private final String origin;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private OnnxInitializers(String origin) {
        this.origin = origin;
    }

    /** Parses an ONNX model held in {@code model} (little-endian raw data, as ONNX stores it). */
    public static OnnxInitializers parse(ByteBuffer model, String origin) {
        OnnxInitializers result = new OnnxInitializers(origin);
        ByteBuffer graph = null;
        ProtobufReader reader = new ProtobufReader(model.duplicate());
        while (reader.hasMore()) {
            int tag = reader.readTag();
            if (tag >>> 3 == 7 && (tag & 7) == ProtobufReader.LENGTH_DELIMITED) {
                graph = reader.readBytes();
            } else {
                reader.skip(tag & 7);
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException(origin + ": not an ONNX model (no graph)");
        }
        List<Initializer> initializers = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        ProtobufReader g = new ProtobufReader(graph);
        while (g.hasMore()) {
            int tag = g.readTag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == ProtobufReader.LENGTH_DELIMITED) {
                nodes.add(readNode(g.readBytes()));
            } else if (field == 5 && (tag & 7) == ProtobufReader.LENGTH_DELIMITED) {
                initializers.add(readInitializer(g.readBytes(), origin));
            } else {
                g.skip(tag & 7);
            }
        }
        Map<String, String> matMulWeights = new LinkedHashMap<>();
        for (Node node : nodes) {
            if (node.opType.equals("MatMul") && node.inputs.size() == 2 && node.name.endsWith("/MatMul")) {
                String module = node.name
                        .substring(node.name.startsWith("/") ? 1 : 0, node.name.length() - "/MatMul".length())
                        .replace('/', '.');
                matMulWeights.put(node.inputs.get(1), module + ".weight");
            }
        }
        for (Initializer init : initializers) {
            ByteBuffer f32 = toFloat32(init, origin);
            if (f32 == null) {
                continue;
            }
            String torchName = matMulWeights.get(init.name);
            if (torchName != null && init.dims.length == 2) {
                result.tensors.put(torchName, transpose(torchName, init.dims, f32));
            } else {
                result.tensors.put(init.name, new Tensor(init.name, init.dims, f32));
            }
        }
        return result;
    }

    private static Node readNode(ByteBuffer bytes) {
        ProtobufReader r = new ProtobufReader(bytes);
        List<String> inputs = new ArrayList<>();
        String name = "";
        String opType = "";
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> inputs.add(r.readString());
                case 3 -> name = r.readString();
                case 4 -> opType = r.readString();
                default -> r.skip(tag & 7);
            }
        }
        return new Node(name, opType, inputs);
    }

    private static Initializer readInitializer(ByteBuffer bytes, String origin) {
        ProtobufReader r = new ProtobufReader(bytes);
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        ByteBuffer raw = null;
        ByteBuffer floatData = null;
        while (r.hasMore()) {
            int tag = r.readTag();
            int field = tag >>> 3;
            int wire = tag & 7;
            if (field == 1 && wire == ProtobufReader.VARINT) {
                dims.add(r.readVarint());
            } else if (field == 1 && wire == ProtobufReader.LENGTH_DELIMITED) {
                ProtobufReader packed = new ProtobufReader(r.readBytes());
                while (packed.hasMore()) {
                    dims.add(packed.readVarint());
                }
            } else if (field == 2) {
                dataType = (int) r.readVarint();
            } else if (field == 4 && wire == ProtobufReader.LENGTH_DELIMITED) {
                floatData = r.readBytes();
            } else if (field == 8) {
                name = r.readString();
            } else if (field == 9) {
                raw = r.readBytes();
            } else if (field == 13) {
                throw new IllegalArgumentException(
                        origin + ": initializer " + name + " uses external data, which is not supported");
            } else {
                r.skip(wire);
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        return new Initializer(name, shape, dataType, raw != null ? raw : floatData);
    }

    private static ByteBuffer toFloat32(Initializer init, String origin) {
        ByteBuffer raw = init.raw == null ? ByteBuffer.allocate(0) : init.raw.order(ByteOrder.LITTLE_ENDIAN);
        return switch (init.dataType) {
            case FLOAT -> raw.slice().order(ByteOrder.LITTLE_ENDIAN); // copied to native memory on upload
            case FLOAT16 -> FloatConversions.f16ToF32(raw);
            case BFLOAT16 -> FloatConversions.bf16ToF32(raw);
            // Integer initializers (shapes, indices) are not weights: keep them out of the way as empty tensors.
            default -> null;
        };
    }

    private static Tensor transpose(String name, long[] dims, ByteBuffer data) {
        int rows = (int) dims[0];
        int cols = (int) dims[1];
        ByteBuffer in = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = NativeMemory.allocate((long) rows * cols * 4);
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                out.putFloat(in.getFloat((r * cols + c) * 4));
            }
        }
        return new Tensor(name, new long[] {cols, rows}, out.flip());
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(origin + ": the ONNX model has no weight named " + name);
        }
        return t;
    }

    /** Tensors are converted (transposed, widened) once at parse time and handed out as they are. */
    @Override
    public boolean keepsBuffers() {
        return true;
    }

    @Override
    public String origin() {
        return origin;
    }
}
