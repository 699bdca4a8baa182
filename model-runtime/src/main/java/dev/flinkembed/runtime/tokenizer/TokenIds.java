package dev.flinkembed.runtime.tokenizer;

/** The ids a model reads for one text (special tokens included, truncated to the model's limit). */
public record TokenIds(long[] ids, long[] typeIds, boolean truncated) {

    public int length() {
        return ids.length;
    }
}
