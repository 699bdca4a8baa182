package dev.flinkembed.jobs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.config.Reranker;
import dev.flinkembed.jobs.evaluate.BeirFiles;
import dev.flinkembed.jobs.evaluate.TableEvaluation;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.ScoringModel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Measure a vector store's (a pgvector table's) retrieval quality with the real search path on a BEIR-format "
                    + "evaluation set (queries JSON Lines {\"_id\",\"text\"}, qrels TSV query-id/corpus-id/score): prints "
                    + "{\"queries\",\"ndcg@10\",\"recall@10\",\"recall@100\",\"mrr@10\"} as JSON. Documents rank by their "
                    + "best chunk.",
            "With --rerank MODEL the same metrics again under \"rerank\", after the --candidates nearest chunks (default "
                    + "100) of each query are reranked: the two stages side by side."
        })
final class EvaluateCommand implements Callable<Integer> {

    @Mixin
    TableOptions target = new TableOptions();

    @Option(names = "--queries", required = true, description = "BEIR queries (JSON Lines).")
    Path queries;

    @Option(names = "--qrels", required = true, description = "BEIR relevance judgements (TSV).")
    Path qrels;

    @Mixin
    RerankFlags rerank = new RerankFlags();

    @Override
    public Integer call() throws Exception {
        var q = BeirFiles.queries(queries);
        var judgements = BeirFiles.qrels(qrels);
        Reranker reranker = rerank.reranker(target.config());
        int candidates = rerank.candidates(target.config());
        VectorStore store = target.store();
        try (StoreSession s = store.open();
                InProcessEmbeddingModel m = InProcessEmbeddingModel.open(
                        ModelFolderCache.localize(target.model(s, store).options()));
                ScoringModel scorer = reranker == null ? null : reranker.open()) {
            List<TableEvaluation.Result> r = TableEvaluation.evaluate(s, m, q, judgements, scorer, candidates);
            ObjectNode json = r.get(0)
                    .toJson()
                    .put("table", store.name())
                    .put("model", m.info().name());
            if (scorer != null) {
                json.set(
                        "rerank",
                        r.get(1).toJson().put("model", reranker.model()).put("candidates", candidates));
            }
            System.out.println(json);
        }
        return 0;
    }
}
