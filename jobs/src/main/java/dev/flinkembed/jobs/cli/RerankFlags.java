package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.RerankKeys;
import dev.flinkembed.jobs.config.Reranker;
import picocli.CommandLine.Option;

/** search's and evaluate's second stage: --rerank and --candidates, shortcuts for rerank.model and rerank.candidates. */
final class RerankFlags {

    @Option(
            names = "--rerank",
            paramLabel = "MODEL",
            description = "Rerank the candidates with this model: a Qwen3-Reranker or BERT cross-encoder folder, or "
                    + "with --set rerank.url=... the server's model name (rerank.model).")
    String model;

    @Option(
            names = "--candidates",
            paramLabel = "N",
            description = "Chunks fetched by vector similarity for the reranker (rerank.candidates; default 100).")
    Integer candidates;

    /** The reranker, or null when none is configured (flags over --set). */
    Reranker reranker(JobConfig config) {
        JobConfig c = apply(config);
        return RerankKeys.configured(c) ? RerankKeys.reranker(c) : null;
    }

    int candidates(JobConfig config) {
        return apply(config).get(RerankKeys.CANDIDATES);
    }

    private JobConfig apply(JobConfig config) {
        JobConfig c = config.with(RerankKeys.MODEL, model);
        return candidates == null ? c : c.with(RerankKeys.CANDIDATES, candidates.toString());
    }
}
