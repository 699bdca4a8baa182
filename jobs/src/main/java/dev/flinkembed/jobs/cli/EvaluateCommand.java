package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.evaluate.BeirFiles;
import dev.flinkembed.jobs.evaluate.TableEvaluation;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import java.nio.file.Path;
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
                    + "best chunk."
        })
final class EvaluateCommand implements Callable<Integer> {

    @Mixin
    TableOptions target = new TableOptions();

    @Option(names = "--queries", required = true, description = "BEIR queries (JSON Lines).")
    Path queries;

    @Option(names = "--qrels", required = true, description = "BEIR relevance judgements (TSV).")
    Path qrels;

    @Override
    public Integer call() throws Exception {
        var q = BeirFiles.queries(queries);
        var judgements = BeirFiles.qrels(qrels);
        VectorStore store = target.store();
        try (StoreSession s = store.open();
                InProcessEmbeddingModel m = InProcessEmbeddingModel.open(
                        ModelFolderCache.localize(target.model(s, store).options()))) {
            TableEvaluation.Result r = TableEvaluation.evaluate(s, m, q, judgements);
            System.out.println(
                    r.toJson().put("table", store.name()).put("model", m.info().name()));
        }
        return 0;
    }
}
