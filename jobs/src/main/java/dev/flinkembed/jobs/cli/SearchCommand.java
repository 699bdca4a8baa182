package dev.flinkembed.jobs.cli;

import dev.flinkembed.operators.files.ModelFolderCache;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.pgvector.PgVectorOptions;
import dev.flinkembed.operators.pgvector.PgVectorSearch;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.PrintWriter;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Embed a query (query role: the model's instruction or query prefix) and print the nearest "
                + "chunks of a pgvector table as JSON Lines {\"rank\",\"doc_id\",\"chunk_index\",\"score\",\"text\"}, "
                + "best first (score = cosine similarity).",
                "The model defaults to the one the table was written with (its lineage columns)."})
final class SearchCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    TableOptions target = new TableOptions();




    @Option(names = "--query", required = true, description = "The query text.")
    String query;

    @Option(names = {"--k"}, defaultValue = "10", description = "How many chunks (default 10).")
    int k;




    @Override
    public Integer call() throws Exception {
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1, got " + k);
        }
        PrintWriter err = spec.commandLine().getErr();
        try (Connection c = target.connect()) {
            TableModels.Resolved resolved = target.model(c);
            PgVectorSearch.Lineage lineage = resolved.lineage();
            ModelOptions options = resolved.options();
            try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelFolderCache.localize(options))) {
                return search(c, m, lineage, err);
            }
        }
    }

    private int search(Connection c, InProcessEmbeddingModel m, PgVectorSearch.Lineage lineage, PrintWriter err)
            throws Exception {
        if (!m.info().fingerprint().equals(lineage.fingerprint())) {
            err.println("warning: the table was embedded with " + lineage.model() + " (fingerprint "
                    + lineage.fingerprint() + "), this query with " + m.info().name() + " (fingerprint "
                    + m.info().fingerprint() + "): scores may not be comparable");
        }
        float[] vector = m.embed(List.of(EmbeddingInput.query(query))).embeddings().get(0).vector();
        String type = lineage.dimensions() > PgVectorOptions.MAX_VECTOR_DIMENSIONS ? "halfvec" : "vector";
        ObjectMapper json = new ObjectMapper();
        PrintWriter out = spec.commandLine().getOut();
        for (PgVectorSearch.Hit h : PgVectorSearch.nearest(c, target.schema, target.table, type, vector, k)) {
            ObjectNode n = json.createObjectNode();
            n.put("rank", h.rank());
            n.put("doc_id", h.docId());
            n.put("chunk_index", h.chunkIndex());
            n.put("score", h.score());
            n.put("text", h.text());
            out.println(n);
        }
        out.flush();
        return 0;
    }
}
