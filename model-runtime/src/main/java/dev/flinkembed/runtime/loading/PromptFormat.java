package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.api.EmbeddingInput;
import java.io.Serializable;

/**
 * How a text is written before tokenization, by role: plain prefixes ("query: " / "passage: " for E5), or an
 * instruction template for instruction-tuned models. The identity for symmetric models such as all-MiniLM-L6-v2.
 */
public record PromptFormat(String queryPrefix, String documentPrefix) implements Serializable {

    public static final PromptFormat NONE = new PromptFormat("", "");

    public String format(EmbeddingInput input) {
        return switch (input.role()) {
            case QUERY -> queryPrefix + input.text();
            case DOCUMENT -> documentPrefix + input.text();
        };
    }

    public String describe() {
        return "query-prefix=" + queryPrefix + ";document-prefix=" + documentPrefix;
    }
}
