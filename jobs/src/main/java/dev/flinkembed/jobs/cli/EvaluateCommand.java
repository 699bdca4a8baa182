package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.evaluate.BeirFiles;
import dev.flinkembed.jobs.evaluate.TableEvaluation;
import dev.flinkembed.operators.sinks.pgvector.PgVectorOptions;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Measure a pgvector table's retrieval quality with the real search path on a BEIR-format "
                + "evaluation set (queries JSON Lines {\"_id\",\"text\"}, qrels TSV query-id/corpus-id/score): prints "
                + "{\"queries\",\"ndcg@10\",\"recall@10\",\"recall@100\",\"mrr@10\"} as JSON. Documents rank by their "
                + "best chunk."})
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--pg-url", required = true, description = "JDBC URL of PostgreSQL with pgvector.")
    String pgUrl;

    @Option(names = "--table", required = true, description = "The vectors table.")
    String table;

    @Option(names = "--schema", defaultValue = "public", description = "Its schema (default public).")
    String schema;

    @Option(names = "--queries", required = true, description = "BEIR queries (JSON Lines).")
    Path queries;

    @Option(names = "--qrels", required = true, description = "BEIR relevance judgements (TSV).")
    Path qrels;

    @Option(names = "--model", description = "Override the model recorded in the table.")
    String model;

    @Option(names = "--instruction", description = "Query instruction of instruction-tuned models (Qwen3-Embedding).")
    String instruction;

    @Option(names = "--password-env", defaultValue = "PGPASSWORD",
            description = "Environment variable holding the database password (default PGPASSWORD).")
    String passwordEnv;

    @Override
    public Integer call() throws Exception {
        PgVectorOptions.checkIdentifier("schema", schema);
        PgVectorOptions.checkIdentifier("table", table);
        var q = BeirFiles.queries(queries);
        var judgements = BeirFiles.qrels(qrels);
        Properties props = new Properties();
        String password = System.getenv(passwordEnv);
        if (password != null) {
            props.setProperty("password", password);
        }
        try (Connection c = PgVectorOptions.connect(pgUrl, props)) {
            TableModels.Resolved resolved = TableModels.forTable(c, schema, table, model, instruction);
            try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(resolved.options())) {
                TableEvaluation.Result r = TableEvaluation.evaluate(c, schema, table, m, q, judgements);
                System.out.println(r.toJson().put("table", schema + "." + table).put("model", m.info().name()));
            }
        }
        return 0;
    }
}
