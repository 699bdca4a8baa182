package dev.flinkembed.jobs.rerank;

import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.runtime.api.Score;
import dev.flinkembed.runtime.api.ScoringModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Retrieve, then rerank: the {@code candidates} nearest chunks by vector similarity, each scored against the query by
 * the reranker, best score first (ties keep the vector order). The same path serves search and evaluate.
 */
public final class TwoStageSearch {

    private TwoStageSearch() {}

    public static List<RerankedHit> search(
            StoreSession store, float[] queryVector, String query, ScoringModel reranker, int candidates) {
        return rerank(store.nearest(queryVector, candidates), query, reranker);
    }

    public static List<RerankedHit> rerank(List<SearchHit> hits, String query, ScoringModel reranker) {
        List<Score> scores =
                reranker.score(query, hits.stream().map(SearchHit::text).toList());
        List<RerankedHit> out = new ArrayList<>(hits.size());
        for (int i = 0; i < hits.size(); i++) {
            out.add(new RerankedHit(hits.get(i), scores.get(i).score()));
        }
        out.sort(Comparator.comparingDouble((RerankedHit r) -> -r.score())
                .thenComparingInt(r -> r.hit().rank()));
        return out;
    }
}
