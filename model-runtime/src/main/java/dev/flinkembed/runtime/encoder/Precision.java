package dev.flinkembed.runtime.encoder;

import java.util.Locale;

/**
 * The numbers a model's linear layers compute in. Norms, softmax, attention and pooling stay float32 in every case.
 * Part of the model's fingerprint: vectors of two precisions are never mixed in one index.
 */
public enum Precision {
    /** float32 weights and products: the reference. */
    FP32,
    /** float16 weights and products (Qwen3 only): half the memory. */
    FP16,
    /** Dynamic int8: per-channel int8 weights, activations quantized per batch (see {@link Int8Linear}). */
    INT8;

    /** The name users write: {@code fp32}, {@code fp16}, {@code int8}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #key()}; null for anything else. */
    public static Precision parse(String value) {
        for (Precision p : values()) {
            if (p.key().equalsIgnoreCase(value.trim())) {
                return p;
            }
        }
        return null;
    }
}
