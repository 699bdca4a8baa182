package dev.flinkembed.jobs.rerank;

import dev.flinkembed.operators.store.SearchHit;

/** A first-stage hit with its reranker score: {@code hit.rank()} and {@code hit.score()} are the vector search's. */
public record RerankedHit(SearchHit hit, float score) {}
