package dev.flinkembed.runtime.loading;

/**
 * What a model computes: a vector per text (embedding), or a relevance score per query–document pair (scoring, a
 * reranker). A family of checkpoints serves one task; the same {@code model_type} (Qwen3's {@code qwen3}) can come as
 * an embedding family and as a scoring family.
 */
public enum ModelTask {
    EMBED("embedding"),
    SCORE("scoring");

    private final String noun;

    ModelTask(String noun) {
        this.noun = noun;
    }

    /** For messages: "embedding", "scoring". */
    public String noun() {
        return noun;
    }
}
