package dev.flinkembed.runtime.pooling;

import java.util.Locale;

/** How a sequence of hidden states becomes one vector. */
public enum Pooling {
    /** Average of the real (unpadded) tokens: sentence-transformers' default for MiniLM, E5. */
    MEAN,
    /** The first token ([CLS]): BGE. */
    CLS,
    /** The last real token: decoder models such as Qwen3-Embedding. */
    LAST_TOKEN;

    public static Pooling parse(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "mean" -> MEAN;
            case "cls" -> CLS;
            case "last_token", "last", "lasttoken" -> LAST_TOKEN;
            default ->
                throw new IllegalArgumentException("pooling '" + value + "' is not one of: mean, cls, last-token");
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
