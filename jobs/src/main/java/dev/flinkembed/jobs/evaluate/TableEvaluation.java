package dev.flinkembed.jobs.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.rerank.TwoStageSearch;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.ScoringModel;
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
        return evaluate(store, model, queries, qrels, null, 0).get(0);
    }

    /**
     * The first stage's result, and with a reranker a second: the first {@code candidates} chunks of each query
     * reranked (documents in the order of their best reranked chunk), the other documents after them in their
     * vector order — so recall@100 can only improve when candidates cover fewer than 100 documents.
     */
    public static List<Result> evaluate(
            StoreSession store,
            InProcessEmbeddingModel model,
            Map<String, String> queries,
            Map<String, Map<String, Integer>> qrels,
            ScoringModel reranker,
            int candidates) {
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
        Metrics first = new Metrics();
        Metrics second = new Metrics();
        for (int i = 0; i < ids.size(); i++) {
            List<SearchHit> hits = store.nearest(vectors.get(i).vector(), Math.max(CHUNKS_PER_QUERY, candidates));
            Map<String, Integer> judged = qrels.get(ids.get(i));
            first.add(documents(hits), judged);
            if (reranker != null) {
                List<SearchHit> reranked = new ArrayList<>();
                TwoStageSearch.rerank(
                                hits.subList(0, Math.min(candidates, hits.size())), queries.get(ids.get(i)), reranker)
                        .forEach(r -> reranked.add(r.hit()));
                reranked.addAll(hits.subList(Math.min(candidates, hits.size()), hits.size()));
                second.add(documents(reranked), judged);
            }
        }
        return reranker == null ? List.of(first.result()) : List.of(first.result(), second.result());
    }

    /** Chunks folded into documents: a document ranks where its best chunk does. */
    private static List<String> documents(List<SearchHit> hits) {
        Set<String> ranked = new LinkedHashSet<>();
        for (SearchHit h : hits) {
            ranked.add(h.docId());
        }
        return new ArrayList<>(ranked);
    }

    /** Sums of the per-query metrics. */
    private static final class Metrics {
        int n;
        double ndcg;
        double r10;
        double r100;
        double mrr;

        void add(List<String> ranking, Map<String, Integer> judged) {
            n++;
            ndcg += RetrievalMetrics.ndcg(ranking, judged, 10);
            r10 += RetrievalMetrics.recall(ranking, judged, 10);
            r100 += RetrievalMetrics.recall(ranking, judged, 100);
            mrr += RetrievalMetrics.reciprocalRank(ranking, judged, 10);
        }

        Result result() {
            return new Result(n, ndcg / n, r10 / n, r100 / n, mrr / n);
        }
    }
}
