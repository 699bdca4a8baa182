package dev.flinkembed.runtime.api;

/** A document's relevance to the query: {@code score} in [0, 1]; {@code tokens} the pair's length as the model read it. */
public record Score(float score, int tokens, boolean truncated) {}
