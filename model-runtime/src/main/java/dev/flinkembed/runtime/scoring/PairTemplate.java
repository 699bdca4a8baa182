package dev.flinkembed.runtime.scoring;

import dev.flinkembed.runtime.tokenizer.TokenIds;

/** How a scoring model reads a query and a document: the token ids of the pair, truncated to the model's limit. */
public interface PairTemplate {

    /** {@code instruction}: null for the model's default; refused by models that take none. */
    TokenIds encode(String instruction, String query, String document);

    /** Whether the model is instruction-tuned (Qwen3-Reranker) or not (a BERT cross-encoder). */
    boolean takesInstruction();
}
