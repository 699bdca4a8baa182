package dev.flinkembed.jobs.cli;

import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.jobs.evaluate.BeirFiles;
import dev.flinkembed.jobs.evaluate.TableEvaluation;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Measure a pgvector table's retrieval quality with the real search path on a BEIR-format "
                + "evaluation set (queries JSON Lines {\"_id\",\"text\"}, qrels TSV query-id/corpus-id/score): prints "
                + "{\"queries\",\"ndcg@10\",\"recall@10\",\"recall@100\",\"mrr@10\"} as JSON. Documents rank by their "
                + "best chunk."})
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
        try (Connection c = target.connect();
             InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelFolderCache.localize(target.model(c).options()))) {
            TableEvaluation.Result r = TableEvaluation.evaluate(c, target.schema, target.table, m, q, judgements);
            System.out.println(r.toJson().put("table", target.schema + "." + target.table).put("model", m.info().name()));
        }
        return 0;
    }
}
