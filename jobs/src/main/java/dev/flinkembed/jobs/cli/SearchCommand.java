package dev.flinkembed.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.store.Lineage;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "search",
        mixinStandardHelpOptions = true,
        description = {
            "Embed a query (query role: the model's instruction or query prefix) and print the nearest "
                    + "chunks of a vector store (a pgvector table) as JSON Lines {\"rank\",\"doc_id\",\"chunk_index\",\"score\",\"text\"}, "
                    + "best first (score = cosine similarity).",
            "The model defaults to the one the table was written with (its lineage columns)."
        })
final class SearchCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    TableOptions target = new TableOptions();

    @Option(names = "--query", required = true, description = "The query text.")
    String query;

    @Option(
            names = {"--k"},
            defaultValue = "10",
            description = "How many chunks (default 10).")
    int k;

    @Override
    public Integer call() throws Exception {
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1, got " + k);
        }
        PrintWriter err = spec.commandLine().getErr();
        VectorStore store = target.store();
        try (StoreSession s = store.open()) {
            TableModels.Resolved resolved = target.model(s, store);
            try (InProcessEmbeddingModel m =
                    InProcessEmbeddingModel.open(ModelFolderCache.localize(resolved.options()))) {
                return search(s, store.name(), m, resolved.lineage(), err);
            }
        }
    }

    private int search(StoreSession s, String name, InProcessEmbeddingModel m, Lineage lineage, PrintWriter err) {
        if (!m.info().fingerprint().equals(lineage.fingerprint())) {
            err.println("warning: " + name + " was embedded with " + lineage.model() + " (fingerprint "
                    + lineage.fingerprint() + "), this query with " + m.info().name() + " (fingerprint "
                    + m.info().fingerprint() + ", " + m.info().precision() + "): scores may not be comparable"
                    + (m.info().precision().equals("fp32")
                            ? " (a collection embedded with model.precision=int8 is queried with --set "
                                    + "model.precision=int8)"
                            : ""));
        }
        float[] vector = m.embed(List.of(EmbeddingInput.query(query)))
                .embeddings()
                .get(0)
                .vector();
        ObjectMapper json = new ObjectMapper();
        PrintWriter out = spec.commandLine().getOut();
        for (SearchHit h : s.nearest(vector, k)) {
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
