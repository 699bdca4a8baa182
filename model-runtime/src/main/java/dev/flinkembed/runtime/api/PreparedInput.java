package dev.flinkembed.runtime.api;

/**
 * An input after the model's tokenizer ran: a batcher needs its token count before the batch is formed, and the model
 * must not tokenize it twice.
 */
public interface PreparedInput {

    /** Tokens the model will read, special tokens included, after truncation. */
    int tokenCount();

    /** The text was longer than the model's limit and was cut (a server may refuse such inputs instead). */
    default boolean truncated() {
        return false;
    }
}
