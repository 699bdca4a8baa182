package dev.flinkembed.runtime.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import dev.flinkembed.runtime.batching.PaddedBatch;
import dev.flinkembed.runtime.encoder.FusedAttention;
import dev.flinkembed.runtime.encoder.Linear;
import dev.flinkembed.runtime.encoder.LinearLayers;
import dev.flinkembed.runtime.encoder.ManagedEncoder;
import dev.flinkembed.runtime.encoder.NdOps;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.encoder.WeightUploader;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.weights.WeightSource;

/**
 * BERT-family encoder (BERT, MiniLM, BGE, E5) on DJL NDArrays: token + position + type embeddings and LayerNorm, then
 * post-LN layers of self-attention and an exact-erf GELU MLP. Weights use PyTorch names and layouts, with or without
 * the {@code bert.} prefix; linear weights are [out, in] and used through a transposed view.
 */
public final class BertEncoder extends ManagedEncoder {

    private record Layer(
            Linear qkv, Linear out, NDArray ln1G, NDArray ln1B, Linear up, Linear down, NDArray ln2G, NDArray ln2B) {}

    private final BertConfig config;
    private final NDArray wordEmb;
    private final NDArray posEmb;
    private final NDArray typeEmb;
    private final NDArray embLnG;
    private final NDArray embLnB;
    private final Layer[] layers;
    /** PyTorch's fused attention, or null: attention op by op (the reference it is tested against). */
    private final FusedAttention fusedAttention;

    private BertEncoder(
            BertConfig config, NDManager manager, WeightSource w, String prefix, boolean fused, Precision precision) {
        super(manager);
        this.config = config;
        this.fusedAttention = fused ? FusedAttention.load(manager) : null;
        int h = config.hiddenSize();
        WeightUploader l = new WeightUploader(w, prefix, manager);
        LinearLayers linear = new LinearLayers(precision, manager);
        wordEmb = l.load("embeddings.word_embeddings.weight", config.vocabSize(), h);
        posEmb = l.load("embeddings.position_embeddings.weight", config.maxPositions(), h);
        typeEmb = l.load("embeddings.token_type_embeddings.weight", config.typeVocabSize(), h);
        embLnG = l.load("embeddings.LayerNorm.weight", h);
        embLnB = l.load("embeddings.LayerNorm.bias", h);
        layers = new Layer[config.layers()];
        // The attention scale 1/sqrt(head dim) is folded into the query projection once, here, instead of scaling
        // every query in every forward pass.
        float scale = (float) (1.0 / Math.sqrt(config.headDim()));
        for (int i = 0; i < layers.length; i++) {
            String p = "encoder.layer." + i + ".";
            // (mul, not muli: a loaded array may be the memory-mapped checkpoint file itself.)
            NDArray qLoaded = l.load(p + "attention.self.query.weight", h, h);
            NDArray q = qLoaded.mul(scale);
            NDArray k = l.load(p + "attention.self.key.weight", h, h);
            NDArray v = l.load(p + "attention.self.value.weight", h, h);
            NDArray qkv = NDArrays.concat(new NDList(q, k, v), 0);
            NDArray qbLoaded = l.load(p + "attention.self.query.bias", h);
            NDArray qb = qbLoaded.mul(scale);
            NDArray kb = l.load(p + "attention.self.key.bias", h);
            NDArray vb = l.load(p + "attention.self.value.bias", h);
            NDArray qkvB = NDArrays.concat(new NDList(qb, kb, vb), 0);
            new NDList(qLoaded, q, k, v, qbLoaded, qb, kb, vb).close();
            layers[i] = new Layer(
                    linear.of(qkv, qkvB),
                    linear.of(
                            l.load(p + "attention.output.dense.weight", h, h),
                            l.load(p + "attention.output.dense.bias", h)),
                    l.load(p + "attention.output.LayerNorm.weight", h),
                    l.load(p + "attention.output.LayerNorm.bias", h),
                    linear.of(
                            l.load(p + "intermediate.dense.weight", config.intermediateSize(), h),
                            l.load(p + "intermediate.dense.bias", config.intermediateSize())),
                    linear.of(
                            l.load(p + "output.dense.weight", h, config.intermediateSize()),
                            l.load(p + "output.dense.bias", h)),
                    l.load(p + "output.LayerNorm.weight", h),
                    l.load(p + "output.LayerNorm.bias", h));
        }
        loaded(l, linear);
    }

    /** Loads the weights into a new manager owned by the encoder; fails naming any missing or misshapen tensor. */
    public static BertEncoder load(BertConfig config, WeightSource weights, Precision precision) {
        return load(config, weights, true, precision);
    }

    /** As {@link #load(BertConfig, WeightSource, Precision)}; {@code fusedAttention} false computes it op by op. */
    static BertEncoder load(BertConfig config, WeightSource weights, boolean fusedAttention, Precision precision) {
        if (precision == Precision.FP16) {
            throw new IllegalArgumentException("BERT-family models run in fp32 or int8, not fp16");
        }
        String prefix = weights.contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
        return NdOps.withOwnManager(
                manager -> new BertEncoder(config, manager, weights, prefix, fusedAttention, precision));
    }

    @Override
    public float[][] encode(PaddedBatch b, Pooling pooling) {
        int h = config.hiddenSize();
        if (b.width() > config.maxPositions()) {
            throw new IllegalArgumentException(
                    "sequence of " + b.width() + " tokens exceeds the model's " + config.maxPositions() + " positions");
        }
        // Every array made here, including results of ops on shared weights, is closed with the scope.
        try (NDScope ignored = new NDScope();
                NDManager m = manager.newSubManager()) {
            int n = b.size() * b.width();
            NDArray ids = m.create(b.ids(), new Shape(n));
            NDArray types = m.create(b.typeIds(), new Shape(n));
            NDArray mask = NdOps.mask(m, b);
            // Activations stay 2-D [tokens, hidden] so every linear layer is one plain GEMM.
            NDArray x = NdOps.rows(wordEmb, ids, m)
                    .reshape(b.size(), b.width(), h)
                    .addi(posEmb.get(m, new NDIndex(":{}", b.width())))
                    .addi(NdOps.rows(typeEmb, types, m).reshape(b.size(), b.width(), h))
                    .reshape(n, h);
            x = layerNorm(x, embLnG, embLnB);
            // Additive mask, 0 for real keys and a large negative number for padding, [B, 1, 1, L]; none is
            // needed when the batch has no padding (frequent with length-sorted batches).
            NDArray maskAdd =
                    b.paddedTokens() == 0 ? null : mask.sub(1f).muli(1e9f).reshape(b.size(), 1, 1, b.width());
            for (Layer layer : layers) {
                x = NdOps.layer(x, in -> forwardLayer(layer, in, b, maskAdd));
            }
            return NdOps.toRows(NdOps.pool(x.reshape(b.size(), b.width(), h), mask, b, pooling, m), b.size());
        }
    }

    private NDArray forwardLayer(Layer layer, NDArray x, PaddedBatch b, NDArray maskAdd) {
        int heads = config.heads();
        int hd = config.headDim();
        NDArray qkv = layer.qkv.apply(x); // [n, 3h]
        NDArray ctx = fusedAttention != null
                ? fusedAttention.attend(qkv, maskAdd, b.size(), b.width(), heads, hd, x.getManager())
                : attentionOpByOp(qkv, b, maskAdd);
        // add, not addi: an int8 layer's output is an inference-mode tensor PyTorch does not let us update in place.
        x = layerNorm(layer.out.apply(ctx).add(x), layer.ln1G, layer.ln1B);
        NDArray ff = layer.down.apply(Activation.gelu(layer.up.apply(x)));
        return layerNorm(ff.add(x), layer.ln2G, layer.ln2B);
    }

    private NDArray attentionOpByOp(NDArray qkvRows, PaddedBatch b, NDArray maskAdd) {
        int heads = config.heads();
        int hd = config.headDim();
        // [3, B, heads, L, hd]
        NDArray qkv = qkvRows.reshape(b.size(), b.width(), 3, heads, hd).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0);
        NDArray k = qkv.get(1).transpose(0, 1, 3, 2);
        NDArray v = qkv.get(2);
        NDArray scores = q.matMul(k);
        if (maskAdd != null) {
            scores.addi(maskAdd);
        }
        return scores.softmax(3)
                .matMul(v)
                .transpose(0, 2, 1, 3)
                .reshape((long) b.size() * b.width(), config.hiddenSize());
    }

    private NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), gamma, beta, config.layerNormEps())
                .head();
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }
}
