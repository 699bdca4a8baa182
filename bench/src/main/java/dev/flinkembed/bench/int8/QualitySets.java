package dev.flinkembed.bench.int8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The public evaluation sets of the int8 quality table, read from the files users pass. */
final class QualitySets {

    private QualitySets() {}

    /** One STS pair with its human similarity score (0–5). */
    record StsPair(String a, String b, double gold) {}

    /**
     * The STS Benchmark's test split as distributed (sts-test.csv: tab-separated genre, file, year, id, score,
     * sentence 1, sentence 2; some lines carry extra columns after the sentences, which are ignored).
     */
    static List<StsPair> sts(Path file) throws IOException {
        List<StsPair> pairs = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split("\t");
            if (f.length >= 7) {
                pairs.add(new StsPair(f[5], f[6], Double.parseDouble(f[4])));
            }
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no STS pairs (genre, file, year, id, score, s1, s2)");
        }
        return pairs;
    }

    /** A retrieval set: queries, documents, and each query's relevant documents (grade 1). */
    record Retrieval(
            String name, Map<String, String> queries, Map<String, String> docs, Map<String, String> relevant) {}

    /**
     * Paraphrase retrieval assembled from the STS pairs: each pair scored ≥ 4 ("mostly equivalent") is a query
     * (sentence 1) whose one relevant document is its sentence 2, among every pair's sentence 2 (1,379 documents).
     */
    static Retrieval paraphrases(List<StsPair> pairs) {
        Map<String, String> docs = new LinkedHashMap<>();
        Map<String, String> queries = new LinkedHashMap<>();
        Map<String, String> relevant = new LinkedHashMap<>();
        Map<String, String> idOfText = new LinkedHashMap<>();
        for (StsPair p : pairs) {
            idOfText.computeIfAbsent(p.b(), t -> {
                String id = "d" + docs.size();
                docs.put(id, t);
                return id;
            });
        }
        for (StsPair p : pairs) {
            if (p.gold() >= 4.0) {
                String q = "q" + queries.size();
                queries.put(q, p.a());
                relevant.put(q, idOfText.get(p.b()));
            }
        }
        return new Retrieval("STS-B paraphrase retrieval", queries, docs, relevant);
    }

    /** Each document's first sentence as its query, the document relevant (the set docs/reindex.md uses). */
    static Retrieval firstSentences(List<String> texts) {
        Map<String, String> docs = new LinkedHashMap<>();
        Map<String, String> queries = new LinkedHashMap<>();
        Map<String, String> relevant = new LinkedHashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            docs.put("d" + i, text);
            int end = text.indexOf(". ");
            if (end > 20 && i % 4 == 0) { // every 4th document: ~500 queries over 2,000 documents
                String q = "q" + queries.size();
                queries.put(q, text.substring(0, end + 1));
                relevant.put(q, "d" + i);
            }
        }
        return new Retrieval("Debian first sentence → description", queries, docs, relevant);
    }

    /** Spearman's rank correlation with average ranks for ties, ×100 as STS results are reported. */
    static double spearman(double[] x, double[] y) {
        double[] rx = ranks(x);
        double[] ry = ranks(y);
        double mx = Arrays.stream(rx).average().orElse(0);
        double my = Arrays.stream(ry).average().orElse(0);
        double num = 0;
        double dx = 0;
        double dy = 0;
        for (int i = 0; i < x.length; i++) {
            num += (rx[i] - mx) * (ry[i] - my);
            dx += (rx[i] - mx) * (rx[i] - mx);
            dy += (ry[i] - my) * (ry[i] - my);
        }
        return 100 * num / Math.sqrt(dx * dy);
    }

    private static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                r[order[k]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return r;
    }
}
