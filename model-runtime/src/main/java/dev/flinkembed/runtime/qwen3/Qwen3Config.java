package dev.flinkembed.runtime.qwen3;

import com.fasterxml.jackson.databind.JsonNode;

/** The shape of a Qwen3 decoder, from a Hugging Face {@code config.json} ({@code model_type: qwen3}). */
public record Qwen3Config(
        int vocabSize,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        double ropeTheta,
        float rmsNormEps,
        int maxPositions,
        long eosTokenId) {

    public static Qwen3Config fromJson(JsonNode c, String origin) {
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(origin + ": hidden_act '" + act + "' is not supported (only silu)");
        }
        if (c.path("attention_bias").asBoolean(false)) {
            throw new IllegalArgumentException(origin + ": attention_bias true is not supported by Qwen3");
        }
        JsonNode scaling = c.get("rope_scaling");
        if (scaling != null && !scaling.isNull()) {
            throw new IllegalArgumentException(origin + ": rope_scaling " + scaling + " is not supported");
        }
        int hidden = positive(c, "hidden_size", origin);
        int heads = positive(c, "num_attention_heads", origin);
        int kvHeads = c.has("num_key_value_heads") ? positive(c, "num_key_value_heads", origin) : heads;
        int headDim = c.has("head_dim") ? positive(c, "head_dim", origin) : hidden / heads;
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    origin + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException(origin + ": head_dim " + headDim + " must be even for RoPE");
        }
        JsonNode eos = c.get("eos_token_id");
        long eosId = eos == null ? 151643 : eos.isArray() ? eos.get(0).asLong() : eos.asLong();
        return new Qwen3Config(
                positive(c, "vocab_size", origin),
                hidden,
                positive(c, "num_hidden_layers", origin),
                heads,
                kvHeads,
                headDim,
                positive(c, "intermediate_size", origin),
                c.path("rope_theta").asDouble(1_000_000.0),
                (float) c.path("rms_norm_eps").asDouble(1e-6),
                c.path("max_position_embeddings").asInt(32768),
                eosId);
    }

    private static int positive(JsonNode c, String key, String origin) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new IllegalArgumentException(origin + ": \"" + key + "\" is missing or not a positive integer");
        }
        return v.asInt();
    }

    /** Parameters, for memory estimates (embeddings once: Qwen3-Embedding ties or drops the LM head). */
    public long parameterCount() {
        long attn = (long) hiddenSize * heads * headDim * 2 + (long) hiddenSize * kvHeads * headDim * 2 + 2L * headDim;
        long mlp = 3L * hiddenSize * intermediateSize;
        return (long) vocabSize * hiddenSize + layers * (attn + mlp + 2L * hiddenSize) + hiddenSize;
    }
}
