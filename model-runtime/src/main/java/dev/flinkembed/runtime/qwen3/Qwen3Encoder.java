package dev.flinkembed.runtime.qwen3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.flinkembed.runtime.batching.PaddedBatch;
import dev.flinkembed.runtime.encoder.Linear;
import dev.flinkembed.runtime.encoder.LinearLayers;
import dev.flinkembed.runtime.encoder.ManagedEncoder;
import dev.flinkembed.runtime.encoder.NdOps;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.encoder.WeightUploader;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.weights.WeightSource;

/**
 * The Qwen3 decoder as an embedding encoder, on DJL NDArrays: token embeddings, then per layer
 * {@code h += o_proj(attn(rms(h)))} and {@code h += down(silu(gate(x)) * up(x))} with {@code x = rms(h)}, then a final
 * RMSNorm. Attention: q_norm / k_norm (RMSNorm over head_dim) before rotate-half RoPE, grouped-query attention (query
 * head j reads KV head j / (heads / kv_heads)), causal plus padding mask, no biases. Weights with or without the
 * {@code model.} prefix; {@code lm_head} is ignored.
 */
public final class Qwen3Encoder extends ManagedEncoder {

    private record Layer(
            NDArray inputNorm,
            Linear q,
            Linear k,
            Linear v,
            Linear o,
            NDArray qNorm,
            NDArray kNorm,
            NDArray postNorm,
            Linear gateUp,
            Linear down) {}

    private final Qwen3Config config;
    private final NDArray embed;
    private final NDArray finalNorm;
    private final Layer[] layers;
    private final double[] invFreq;

    private Qwen3Encoder(Qwen3Config c, NDManager manager, WeightSource w, String prefix, Precision precision) {
        super(manager);
        this.config = c;
        WeightUploader l = new WeightUploader(w, prefix, manager);
        LinearLayers linear = new LinearLayers(precision, manager);
        boolean half = precision == Precision.FP16; // loaded as float16 at once: float32 copies never pile up
        int h = c.hiddenSize();
        int q = c.heads() * c.headDim();
        int kv = c.kvHeads() * c.headDim();
        embed = l.loadMatrix(half, "embed_tokens.weight", c.vocabSize(), h);
        finalNorm = l.load("norm.weight", h);
        layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "layers." + i + ".";
            NDArray gate = l.loadMatrix(half, p + "mlp.gate_proj.weight", c.intermediateSize(), h);
            NDArray up = l.loadMatrix(half, p + "mlp.up_proj.weight", c.intermediateSize(), h);
            // gate and up read the same input: one GEMM for both.
            NDArray gateUp = NDArrays.concat(new NDList(gate, up), 0);
            gate.close();
            up.close();
            layers[i] = new Layer(
                    l.load(p + "input_layernorm.weight", h),
                    linear.of(l.loadMatrix(half, p + "self_attn.q_proj.weight", q, h), null),
                    linear.of(l.loadMatrix(half, p + "self_attn.k_proj.weight", kv, h), null),
                    linear.of(l.loadMatrix(half, p + "self_attn.v_proj.weight", kv, h), null),
                    linear.of(l.loadMatrix(half, p + "self_attn.o_proj.weight", h, q), null),
                    l.load(p + "self_attn.q_norm.weight", c.headDim()),
                    l.load(p + "self_attn.k_norm.weight", c.headDim()),
                    l.load(p + "post_attention_layernorm.weight", h),
                    linear.of(gateUp, null),
                    linear.of(l.loadMatrix(half, p + "mlp.down_proj.weight", h, c.intermediateSize()), null));
            l.releaseUnread(); // int8: this layer's float32 copies, now packed
        }
        loaded(l, linear);
        invFreq = new double[c.headDim() / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
        }
    }

    /** The linear layers in {@code precision}; embeddings (float16 with fp16), norms, RoPE, softmax in float32. */
    public static Qwen3Encoder load(Qwen3Config config, WeightSource weights, Precision precision) {
        String prefix = weights.contains("model.embed_tokens.weight") ? "model." : "";
        return NdOps.withOwnManager(manager -> new Qwen3Encoder(config, manager, weights, prefix, precision));
    }

    @Override
    public float[][] encode(PaddedBatch b, Pooling pooling) {
        int bs = b.size();
        int len = b.width();
        int h = config.hiddenSize();
        int hd = config.headDim();
        int n = bs * len;
        try (NDScope ignored = new NDScope();
                NDManager m = manager.newSubManager()) {
            NDArray mask = NdOps.mask(m, b);
            NDArray x = NdOps.rows(embed, m.create(b.ids(), new Shape(n)), m).toType(DataType.FLOAT32, false); // [N, H]
            NDArray[] rope = rope(m, len);
            NDArray attnMask = attentionMask(m, mask, bs, len);
            float scale = (float) (1.0 / Math.sqrt(hd));
            for (Layer layer : layers) {
                x = NdOps.layer(x, in -> forwardLayer(layer, in, bs, len, attnMask, rope, scale));
            }
            x = rmsNorm(x, finalNorm);
            return NdOps.toRows(NdOps.pool(x.reshape(bs, len, h), mask, b, pooling, m), bs);
        }
    }

    private NDArray forwardLayer(
            Layer layer, NDArray x, int bs, int len, NDArray attnMask, NDArray[] rope, float scale) {
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int hd = config.headDim();
        int n = bs * len;
        NDArray xn = rmsNorm(x, layer.inputNorm);
        NDArray q = heads(layer.q.apply(xn), bs, len, heads, hd, layer.qNorm, rope);
        NDArray k = heads(layer.k.apply(xn), bs, len, kvHeads, hd, layer.kNorm, rope);
        NDArray v = layer.v.apply(xn).reshape(bs, len, kvHeads, hd).transpose(0, 2, 1, 3);
        if (kvHeads != heads) {
            // repeat(axis, n) is repeat_interleave: query head j reads KV head j / (heads / kvHeads).
            k = k.repeat(1, heads / kvHeads);
            v = v.repeat(1, heads / kvHeads);
        }
        NDArray scores = q.mul(scale).matMul(k.transpose(0, 1, 3, 2)).addi(attnMask);
        NDArray ctx = scores.softmax(3).matMul(v).transpose(0, 2, 1, 3).reshape(n, heads * hd);
        x = x.add(layer.o.apply(ctx));
        NDArray gateUp = layer.gateUp.apply(rmsNorm(x, layer.postNorm));
        NDList parts = gateUp.split(2, 1);
        NDArray act = Activation.swish(parts.get(0), 1f).mul(parts.get(1));
        return x.add(layer.down.apply(act));
    }

    /** [N, heads*hd] → per-head RMSNorm → rotate-half RoPE → [B, heads, L, hd]. */
    private NDArray heads(NDArray proj, int bs, int len, int count, int hd, NDArray norm, NDArray[] rope) {
        NDArray t = rmsNorm(proj.reshape(bs, len, count, hd), norm).transpose(0, 2, 1, 3); // [B, heads, L, hd]
        NDList halves = t.split(2, 3);
        NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3);
        return t.mul(rope[0]).add(rotated.mul(rope[1]));
    }

    /** cos and sin of positions × inverse frequencies, [1, 1, L, hd], computed in double precision. */
    private NDArray[] rope(NDManager m, int len) {
        int hd = config.headDim();
        float[] cos = new float[len * hd];
        float[] sin = new float[len * hd];
        for (int p = 0; p < len; p++) {
            for (int i = 0; i < hd / 2; i++) {
                double angle = p * invFreq[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * hd + i] = c;
                cos[p * hd + i + hd / 2] = c;
                sin[p * hd + i] = s;
                sin[p * hd + i + hd / 2] = s;
            }
        }
        return new NDArray[] {m.create(cos, new Shape(1, 1, len, hd)), m.create(sin, new Shape(1, 1, len, hd))};
    }

    /** Causal plus padding, additive: 0 where a query may attend, a large negative number elsewhere. [B, 1, L, L] */
    private static NDArray attentionMask(NDManager m, NDArray mask, int bs, int len) {
        NDArray pos = m.arange(len);
        NDArray causal = pos.reshape(len, 1).gte(pos.reshape(1, len)).toType(DataType.FLOAT32, false); // key ≤ query
        NDArray allowed = causal.reshape(1, 1, len, len).mul(mask.reshape(bs, 1, 1, len));
        return allowed.sub(1f).mul(1e9f);
    }

    /** weight * x / sqrt(mean(x²) + eps) over the last axis, in float32. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        int last = x.getShape().dimension() - 1;
        NDArray inv =
                x.square().mean(new int[] {last}, true).add(config.rmsNormEps()).pow(-0.5);
        return x.mul(inv).mul(weight);
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }
}
