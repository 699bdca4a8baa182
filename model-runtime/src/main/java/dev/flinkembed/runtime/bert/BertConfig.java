package dev.flinkembed.runtime.bert;

import com.fasterxml.jackson.databind.JsonNode;

/** The shape of a BERT-family encoder, from a Hugging Face {@code config.json}. */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int layers,
        int heads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        float layerNormEps,
        long padTokenId) {

    /** all-MiniLM-L6-v2, the built-in model. */
    public static final BertConfig ALL_MINILM_L6_V2 = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f, 0);

    public static BertConfig fromJson(JsonNode config, String origin) {
        String act = config.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new IllegalArgumentException(origin + ": hidden_act '" + act + "' is not supported (only gelu)");
        }
        BertConfig c = new BertConfig(
                required(config, "vocab_size", origin),
                required(config, "hidden_size", origin),
                required(config, "num_hidden_layers", origin),
                required(config, "num_attention_heads", origin),
                required(config, "intermediate_size", origin),
                config.path("max_position_embeddings").asInt(512),
                config.path("type_vocab_size").asInt(2),
                (float) config.path("layer_norm_eps").asDouble(1e-12),
                config.path("pad_token_id").asLong(0));
        if (c.hiddenSize % c.heads != 0) {
            throw new IllegalArgumentException(
                    origin + ": hidden_size " + c.hiddenSize + " is not a multiple of num_attention_heads " + c.heads);
        }
        return c;
    }

    static int required(JsonNode config, String key, String origin) {
        JsonNode v = config.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new IllegalArgumentException(origin + ": \"" + key + "\" is missing or not a positive integer");
        }
        return v.asInt();
    }

    public int headDim() {
        return hiddenSize / heads;
    }
}
