package dev.flinkembed.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.config.Reranker;
import dev.flinkembed.jobs.rerank.RerankedHit;
import dev.flinkembed.jobs.rerank.TwoStageSearch;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.store.Lineage;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.ScoringModel;
import java.io.PrintWriter;
import java.util.ArrayList;
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
            "The model defaults to the one the table was written with (its lineage columns).",
            "With --rerank MODEL the --candidates nearest chunks (default 100) are scored by a reranker and the best k "
                    + "printed by its score, each line with both scores: \"score\" (the reranker's, 0..1) and "
                    + "\"vector_score\" / \"vector_rank\" (the first stage's)."
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

    @Mixin
    RerankFlags rerank = new RerankFlags();

    @Override
    public Integer call() throws Exception {
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1, got " + k);
        }
        PrintWriter err = spec.commandLine().getErr();
        Reranker reranker = rerank.reranker(target.config());
        int candidates = rerank.candidates(target.config());
        VectorStore store = target.store();
        try (StoreSession s = store.open()) {
            TableModels.Resolved resolved = target.model(s, store);
            try (InProcessEmbeddingModel m =
                    InProcessEmbeddingModel.open(ModelFolderCache.localize(resolved.options()))) {
                float[] vector = queryVector(s, store.name(), m, resolved.lineage(), err);
                if (reranker == null) {
                    print(s.nearest(vector, k).stream()
                            .map(h -> line(h.rank(), h, null))
                            .toList());
                    return 0;
                }
                try (ScoringModel scorer = reranker.open()) {
                    List<RerankedHit> ranked = TwoStageSearch.search(s, vector, query, scorer, Math.max(k, candidates));
                    List<ObjectNode> lines = new ArrayList<>();
                    for (int i = 0; i < Math.min(k, ranked.size()); i++) {
                        lines.add(line(i + 1, ranked.get(i).hit(), ranked.get(i).score()));
                    }
                    print(lines);
                }
            }
        }
        return 0;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One output line; with a reranker score, the vector search's score and rank beside it. */
    private static ObjectNode line(int rank, SearchHit h, Float rerankScore) {
        ObjectNode n = JSON.createObjectNode();
        n.put("rank", rank);
        n.put("doc_id", h.docId());
        n.put("chunk_index", h.chunkIndex());
        if (rerankScore == null) {
            n.put("score", h.score());
        } else {
            n.put("score", rerankScore);
            n.put("vector_score", h.score());
            n.put("vector_rank", h.rank());
        }
        n.put("text", h.text());
        return n;
    }

    /** JSON Lines. */
    private void print(List<ObjectNode> lines) {
        PrintWriter out = spec.commandLine().getOut();
        for (ObjectNode n : lines) {
            out.println(n);
        }
        out.flush();
    }

    private float[] queryVector(
            StoreSession s, String name, InProcessEmbeddingModel m, Lineage lineage, PrintWriter err) {
        if (!m.info().fingerprint().equals(lineage.fingerprint())) {
            err.println("warning: " + name + " was embedded with " + lineage.model() + " (fingerprint "
                    + lineage.fingerprint() + "), this query with " + m.info().name() + " (fingerprint "
                    + m.info().fingerprint() + ", " + m.info().precision() + "): scores may not be comparable"
                    + (m.info().precision().equals("fp32")
                            ? " (a collection embedded with model.precision=int8 is queried with --set "
                                    + "model.precision=int8)"
                            : ""));
        }
        return m.embed(List.of(EmbeddingInput.query(query))).embeddings().get(0).vector();
    }
}
