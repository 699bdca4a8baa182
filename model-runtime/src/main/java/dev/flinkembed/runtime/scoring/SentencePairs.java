package dev.flinkembed.runtime.scoring;

import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.tokenizer.TokenIds;

/** A cross-encoder's input: the tokenizer's own pair template ({@code [CLS] query [SEP] document [SEP]}). */
public final class SentencePairs implements PairTemplate {

    private final ModelTokenizer tokenizer;

    public SentencePairs(ModelTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public TokenIds encode(String instruction, String query, String document) {
        if (instruction != null) {
            throw new IllegalArgumentException("a cross-encoder takes no instruction");
        }
        return tokenizer.encodePair(query, document);
    }

    @Override
    public boolean takesInstruction() {
        return false;
    }
}
