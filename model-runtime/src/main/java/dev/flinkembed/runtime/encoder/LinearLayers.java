package dev.flinkembed.runtime.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes an encoder's linear layers in one precision from float32 weights in PyTorch's [out, in] layout: float32 and
 * float16 layers keep the weight (as a transposed view, so each layer is one plain GEMM), int8 layers keep FBGEMM's
 * packed copy and close the float32 weight.
 */
public final class LinearLayers implements AutoCloseable {

    private final Precision precision;
    private final Int8Linear int8;
    private final List<Int8Linear.Packed> packed = new ArrayList<>();
    private long bytesSaved;

    public LinearLayers(Precision precision, NDManager manager) {
        this.precision = precision;
        this.int8 = precision == Precision.INT8 ? Int8Linear.load(manager) : null;
    }

    public Precision precision() {
        return precision;
    }

    /** A layer of {@code weight} [out, in] and {@code bias} [out] or null; the layer owns both from now on. */
    public Linear of(NDArray weight, NDArray bias) {
        return switch (precision) {
            case FP32 -> floating(weight.transpose(), bias);
            case FP16 -> {
                NDArray half =
                        weight.getDataType() == DataType.FLOAT16 ? weight : weight.toType(DataType.FLOAT16, true);
                yield floating(half.transpose(), bias);
            }
            case INT8 -> {
                Int8Linear.Packed layer = int8.pack(weight, bias);
                packed.add(layer);
                bytesSaved += weight.size() * 4 + (bias == null ? 0 : bias.size() * 4) - layer.bytes();
                weight.close();
                if (bias != null) {
                    bias.close();
                }
                yield quantized(layer);
            }
        };
    }

    private static Linear floating(NDArray wT, NDArray bias) {
        long bytes = wT.size() * wT.getDataType().getNumOfBytes() + (bias == null ? 0 : bias.size() * 4);
        return new Linear() {
            @Override
            public NDArray apply(NDArray x) {
                NDArray y = NdOps.linear(x, wT);
                return bias == null ? y : y.addi(bias);
            }

            @Override
            public long bytes() {
                return bytes;
            }
        };
    }

    /** How many fewer bytes the layers hold than their float32 weights did (what int8 saves). */
    public long bytesSaved() {
        return bytesSaved;
    }

    /** Frees FBGEMM's packed weights (the float layers' arrays go with the encoder's manager). */
    @Override
    public void close() {
        packed.forEach(Int8Linear.Packed::close);
        packed.clear();
    }

    private Linear quantized(Int8Linear.Packed packed) {
        return new Linear() {
            @Override
            public NDArray apply(NDArray x) {
                return int8.apply(x, packed, x.getManager());
            }

            @Override
            public long bytes() {
                return packed.bytes();
            }
        };
    }
}
