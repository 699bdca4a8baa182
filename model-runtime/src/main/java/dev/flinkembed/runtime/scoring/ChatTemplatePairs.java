package dev.flinkembed.runtime.scoring;

import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import java.util.Arrays;

/**
 * Qwen3-Reranker's input, as its model card builds it: {@link #PREFIX} + {@code "<Instruct>: {instruction}\n<Query>:
 * {query}\n<Document>: {document}"} + {@link #SUFFIX}, each part tokenized without special tokens; only the middle part
 * is truncated (from the end) so that the whole fits the model's limit. Without this template the model's scores are
 * close to random (vLLM's documentation says the same of its server).
 */
public final class ChatTemplatePairs implements PairTemplate {

    public static final String PREFIX = "<|im_start|>system\nJudge whether the Document meets the requirements based on"
            + " the Query and the Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n"
            + "<|im_start|>user\n";
    public static final String SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
    public static final String DEFAULT_INSTRUCTION =
            "Given a web search query, retrieve relevant passages that answer the query";

    private final ModelTokenizer tokenizer;
    private final long[] prefix;
    private final long[] suffix;

    public ChatTemplatePairs(ModelTokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.prefix = tokenizer.idsOf(PREFIX);
        this.suffix = tokenizer.idsOf(SUFFIX);
        if (prefix.length + suffix.length >= tokenizer.maxTokens()) {
            throw new IllegalArgumentException("max tokens " + tokenizer.maxTokens() + " leaves no room for a query "
                    + "and a document after the reranker's template (" + (prefix.length + suffix.length) + " tokens)");
        }
    }

    /** The text between prefix and suffix. */
    public static String body(String instruction, String query, String document) {
        return "<Instruct>: " + (instruction == null ? DEFAULT_INSTRUCTION : instruction) + "\n<Query>: " + query
                + "\n<Document>: " + document;
    }

    /**
     * The query as sent to a server that joins query and document itself (vLLM's {@code /rerank} and {@code /score}
     * for Qwen3-Reranker, as its documentation formats them): prefix, instruction and query. With
     * {@link #serverDocument} it makes the whole template.
     */
    public static String serverQuery(String instruction, String query) {
        return PREFIX + "<Instruct>: " + (instruction == null ? DEFAULT_INSTRUCTION : instruction) + "\n<Query>: "
                + query + "\n";
    }

    /** A document as sent to such a server: the rest of the template. */
    public static String serverDocument(String document) {
        return "<Document>: " + document + SUFFIX;
    }

    @Override
    public TokenIds encode(String instruction, String query, String document) {
        long[] body = tokenizer.idsOf(body(instruction, query, document));
        int room = tokenizer.maxTokens() - prefix.length - suffix.length;
        boolean truncated = body.length > room;
        int kept = Math.min(body.length, room);
        long[] ids = Arrays.copyOf(prefix, prefix.length + kept + suffix.length);
        System.arraycopy(body, 0, ids, prefix.length, kept);
        System.arraycopy(suffix, 0, ids, prefix.length + kept, suffix.length);
        return new TokenIds(ids, new long[ids.length], truncated);
    }

    @Override
    public boolean takesInstruction() {
        return true;
    }
}
