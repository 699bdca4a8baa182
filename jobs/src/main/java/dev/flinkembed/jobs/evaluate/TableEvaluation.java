package dev.flinkembed.jobs.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Retrieval quality of a vector store measured with the real search path: each query embedded with the query role
 * of the table's model, its nearest chunks fetched with the same SQL as {@code search}, chunks folded into documents
 * (a document ranks where its best chunk does), then nDCG@10, recall@10, recall@100 and MRR@10 averaged over the queries
 * that have a judged-relevant document.
 */
public final class TableEvaluation {

    /** Chunks fetched per query: enough for 100 distinct documents in corpora of a few chunks per document. */
    static final int CHUNKS_PER_QUERY = 300;

    public record Result(int queries, double ndcg10, double recall10, double recall100, double mrr10) {

        public ObjectNode toJson() {
            return new ObjectMapper()
                    .createObjectNode()
                    .put("queries", queries)
                    .put("ndcg@10", round(ndcg10))
                    .put("recall@10", round(recall10))
                    .put("recall@100", round(recall100))
                    .put("mrr@10", round(mrr10));
        }

        private static double round(double x) {
            return Math.round(x * 10000) / 10000.0;
        }
    }

    private TableEvaluation() {}

    public static Result evaluate(
            StoreSession store,
            InProcessEmbeddingModel model,
            Map<String, String> queries,
            Map<String, Map<String, Integer>> qrels) {
        List<String> ids = queries.keySet().stream()
                .filter(q ->
                        qrels.containsKey(q) && qrels.get(q).values().stream().anyMatch(g -> g > 0))
                .toList();
        if (ids.isEmpty()) {
            throw new IllegalArgumentException(
                    "no query of the queries file has a relevant document in the qrels file");
        }
        List<Embedding> vectors = model.embed(ids.stream()
                        .map(q -> EmbeddingInput.query(queries.get(q)))
                        .toList())
                .embeddings();
        double ndcg = 0;
        double r10 = 0;
        double r100 = 0;
        double mrr = 0;
        for (int i = 0; i < ids.size(); i++) {
            Set<String> ranked = new LinkedHashSet<>();
            for (SearchHit h : store.nearest(vectors.get(i).vector(), CHUNKS_PER_QUERY)) {
                ranked.add(h.docId());
            }
            List<String> ranking = new ArrayList<>(ranked);
            Map<String, Integer> judged = qrels.get(ids.get(i));
            ndcg += RetrievalMetrics.ndcg(ranking, judged, 10);
            r10 += RetrievalMetrics.recall(ranking, judged, 10);
            r100 += RetrievalMetrics.recall(ranking, judged, 100);
            mrr += RetrievalMetrics.reciprocalRank(ranking, judged, 10);
        }
        int n = ids.size();
        return new Result(n, ndcg / n, r10 / n, r100 / n, mrr / n);
    }
}
