package dev.flinkembed.jobs.evaluate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The standard retrieval metrics of one query's ranking against its judgements, as BEIR (pytrec_eval) computes them:
 * nDCG@k with linear gains (relevance grade / log2(rank + 1)), recall@k over the judged-relevant documents (grade > 0),
 * and the reciprocal rank of the first relevant document within k.
 */
public final class RetrievalMetrics {

    private RetrievalMetrics() {}

    public static double ndcg(List<String> ranking, Map<String, Integer> judgements, int k) {
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            dcg += judgements.getOrDefault(ranking.get(i), 0) / log2(i + 2);
        }
        List<Integer> ideal = new ArrayList<>(judgements.values());
        ideal.sort(Comparator.reverseOrder());
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.size()); i++) {
            idcg += Math.max(0, ideal.get(i)) / log2(i + 2);
        }
        return idcg == 0 ? 0 : dcg / idcg;
    }

    public static double recall(List<String> ranking, Map<String, Integer> judgements, int k) {
        long relevant = judgements.values().stream().filter(g -> g > 0).count();
        if (relevant == 0) {
            return 0;
        }
        long found = ranking.stream()
                .limit(k)
                .filter(d -> judgements.getOrDefault(d, 0) > 0)
                .count();
        return (double) found / relevant;
    }

    public static double reciprocalRank(List<String> ranking, Map<String, Integer> judgements, int k) {
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            if (judgements.getOrDefault(ranking.get(i), 0) > 0) {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    private static double log2(int x) {
        return Math.log(x) / Math.log(2);
    }
}
