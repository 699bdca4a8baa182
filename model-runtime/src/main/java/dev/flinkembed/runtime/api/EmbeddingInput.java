package dev.flinkembed.runtime.api;

import java.util.Objects;

/** One text to embed, in a role. */
public record EmbeddingInput(String text, Role role) {

    public EmbeddingInput {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(role, "role");
    }

    public static EmbeddingInput document(String text) {
        return new EmbeddingInput(text, Role.DOCUMENT);
    }

    public static EmbeddingInput query(String text) {
        return new EmbeddingInput(text, Role.QUERY);
    }
}
