package dev.flinkembed.runtime.api;

import java.util.List;

/**
 * A scoring model (a reranker): the relevance of each document to a query, in [0, 1]. In-process (a Qwen3-Reranker or a
 * BERT cross-encoder) or remote (vLLM, TEI, Cohere-shaped servers). Not thread-safe: one caller at a time.
 */
public interface ScoringModel extends AutoCloseable {

    ScoringInfo info();

    /** One score per document, in the documents' order. */
    List<Score> score(String query, List<String> documents);

    @Override
    void close();
}
