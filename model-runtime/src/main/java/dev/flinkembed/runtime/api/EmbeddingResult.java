package dev.flinkembed.runtime.api;

import java.util.List;

/** The embeddings of a list of inputs, in input order, and what computing them cost. */
public record EmbeddingResult(List<Embedding> embeddings, BatchStats stats) {}
