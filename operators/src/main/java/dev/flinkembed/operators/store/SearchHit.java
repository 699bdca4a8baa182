package dev.flinkembed.operators.store;

/** One nearest chunk: its rank (1 = best), document, chunk, cosine similarity and text. */
public record SearchHit(int rank, String docId, int chunkIndex, double score, String text) {}
