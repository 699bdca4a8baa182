package dev.flinkembed.jobs.evaluate;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.operators.config.ConfigException;
import java.nio.file.Path;
import java.util.Map;

/** A model change goes live only if the new version reaches {@code minNdcg10} on this evaluation set. */
public record EvaluationGate(
        Path queriesFile, Map<String, String> queries, Map<String, Map<String, Integer>> qrels, double minNdcg10) {

    /** The gate the configuration asks for (all three keys, or none), files read and checked now; null for none. */
    public static EvaluationGate of(JobConfig c) {
        boolean q = c.isSet(JobOptions.REINDEX_EVAL_QUERIES);
        boolean r = c.isSet(JobOptions.REINDEX_EVAL_QRELS);
        boolean m = c.isSet(JobOptions.REINDEX_MIN_NDCG10);
        if (!q && !r && !m) {
            return null;
        }
        if (!(q && r && m)) {
            throw new ConfigException("configuration keys 'reindex.eval-queries', 'reindex.eval-qrels' and "
                    + "'reindex.min-ndcg10' go together (--eval-queries, --eval-qrels, --min-ndcg10): set all three");
        }
        if (c.get(JobOptions.EMBED_BACKEND).equals("remote")) {
            throw ConfigException.badValue(
                    "reindex.eval-queries",
                    c.get(JobOptions.REINDEX_EVAL_QUERIES),
                    "only with embed.backend=in-process for now (the gate embeds the queries in this process)");
        }
        Path queries = Path.of(c.get(JobOptions.REINDEX_EVAL_QUERIES));
        return new EvaluationGate(
                queries,
                BeirFiles.queries(queries),
                BeirFiles.qrels(Path.of(c.get(JobOptions.REINDEX_EVAL_QRELS))),
                c.get(JobOptions.REINDEX_MIN_NDCG10));
    }
}
