package dev.flinkembed.runtime.tokenizer;

/**
 * Where each model token of a text starts and ends, as {@code String} (UTF-16) indices into the text; no special
 * tokens, no truncation. What a chunker needs to cut a document by token count and keep character offsets.
 */
public record TokenSpans(int[] starts, int[] ends) {

    public int count() {
        return starts.length;
    }
}
