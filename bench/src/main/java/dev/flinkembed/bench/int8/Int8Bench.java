package dev.flinkembed.bench.int8;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.flinkembed.bench.GemmCeiling;
import dev.flinkembed.jobs.evaluate.RetrievalMetrics;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.encoder.Int8Linear;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code bench --suite int8}: model.precision=int8 against fp32 in one JVM and one run — speed (the runtime and
 * LangChain4j's fp32 and int8 models on the same texts, paired rounds, with the GEMMs and the machine's peaks) and
 * quality (cosine to the fp32 vectors, STS-B Spearman, nDCG@10 on two retrieval sets) for the built-in models and a
 * Qwen3 checkpoint.
 */
public final class Int8Bench {

    private Int8Bench() {}

    public static void run(Path corpus, int rows, int rounds, Path sts, Path qwen3, PrintStream log, PrintStream out)
            throws Exception {
        List<String> texts = ParquetRows.head(corpus, rows).stream()
                .map(r -> String.valueOf(r.get("text")))
                .toList();
        CpuPeaks peaks = CpuPeaks.detect();
        out.println(peaks.describe());
        out.println("Other instruction sets " + peaks.whatOthersWouldGive());
        speed(texts, rounds, peaks, log, out);
        if (sts != null) {
            quality(texts, QualitySets.sts(sts), qwen3, log, out);
        }
    }

    // ---- speed ----

    private record Runner(String name, boolean int8, Runnable embedAll) {}

    private static void speed(List<String> texts, int rounds, CpuPeaks peaks, PrintStream log, PrintStream out) {
        List<EmbeddingInput> inputs =
                texts.stream().map(EmbeddingInput::document).toList();
        ModelOptions minilm = ModelOptions.defaults(BuiltinModels.ALL_MINILM_L6_V2);
        try (InProcessEmbeddingModel fp32 = InProcessEmbeddingModel.open(minilm);
                InProcessEmbeddingModel int8 = InProcessEmbeddingModel.open(minilm.withPrecision(Precision.INT8))) {
            long tokens = fp32.embed(inputs).embeddings().stream()
                    .mapToLong(Embedding::tokens)
                    .sum();
            EmbeddingModel lc = new AllMiniLmL6V2EmbeddingModel();
            EmbeddingModel lcq = new AllMiniLmL6V2QuantizedEmbeddingModel();
            List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
            List<Runner> runners = List.of(
                    new Runner("flink-embed runtime, model.precision=fp32", false, () -> fp32.embed(inputs)),
                    new Runner("flink-embed runtime, model.precision=int8", true, () -> int8.embed(inputs)),
                    new Runner(
                            "LangChain4j AllMiniLmL6V2EmbeddingModel (ONNX Runtime, fp32)",
                            false,
                            () -> lc.embedAll(segments)),
                    new Runner(
                            "LangChain4j AllMiniLmL6V2QuantizedEmbeddingModel (ONNX Runtime, int8)",
                            true,
                            () -> lcq.embedAll(segments)));
            for (Runner r : runners) { // warm-up: JIT, ONNX Runtime's and PyTorch's first-call work
                r.embedAll().run();
            }
            double[][] seconds = new double[runners.size()][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < runners.size(); k++) {
                    int i = (k + round) % runners.size(); // rotate the order: no runner always goes first
                    long start = System.nanoTime();
                    runners.get(i).embedAll().run();
                    seconds[i][round] = (System.nanoTime() - start) / 1e9;
                    log.printf(
                            "round %d: %s %.1f s%n", round + 1, runners.get(i).name(), seconds[i][round]);
                }
            }
            double flopsPerToken = GemmCeiling.bertFlopsPerToken(6, 384, 1536, (double) tokens / texts.size());
            out.printf(
                    "%nall-MiniLM-L6-v2 on the first %d Debian descriptions (%d tokens, %.1f MFLOP a token), median of "
                            + "%d paired rounds:%n%n",
                    texts.size(), tokens, flopsPerToken / 1e6, rounds);
            out.println("| runtime | seconds | tokens/s | vs runtime fp32 | vs LangChain4j, same precision "
                    + "| GOP/s | of its peak |");
            out.println("|---|---|---|---|---|---|---|");
            double[] tps = new double[runners.size()];
            for (int i = 0; i < runners.size(); i++) {
                tps[i] = tokens / median(seconds[i]);
            }
            for (int i = 0; i < runners.size(); i++) {
                Runner r = runners.get(i);
                double peak = r.int8() ? peaks.int8Gops() : peaks.fp32Gflops();
                double ops = tps[i] * flopsPerToken / 1e9;
                out.printf(
                        "| %s | %.1f | %.0f | %.2f× | %.2f× | %.1f | %.0f%% of %s |%n",
                        r.name(),
                        median(seconds[i]),
                        tps[i],
                        tps[i] / tps[0],
                        tps[i] / tps[r.int8() ? 3 : 2],
                        ops,
                        100 * ops / peak,
                        r.int8() ? "int8" : "fp32");
            }
        }
        double fp32Gemm = GemmCeiling.gflops(1024, 384, 1536);
        double int8Gemm = int8Gops(1024, 384, 1536);
        out.printf(
                "%nGEMM [1024×384]·[384×1536] (MiniLM's MLP), best of 3: fp32 %.0f GFLOP/s (%.0f%% of the fp32 peak), "
                        + "int8 %.0f GOP/s with activation quantization (%.0f%% of the int8 peak), int8/fp32 %.2f×%n",
                fp32Gemm,
                100 * fp32Gemm / peaks.fp32Gflops(),
                int8Gemm,
                100 * int8Gemm / peaks.int8Gops(),
                int8Gemm / fp32Gemm);
    }

    /** GOP/s of the dynamic int8 linear layer (activation quantization included), best of three rounds. */
    static double int8Gops(int m, int k, int n) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Int8Linear linear = Int8Linear.load(manager);
            NDArray x = manager.randomUniform(-1, 1, new Shape(m, k));
            try (Int8Linear.Packed w = linear.pack(manager.randomUniform(-1, 1, new Shape(n, k)), null)) {
                int repeats = (int) Math.max(10, 2e10 / (2.0 * m * k * n));
                double best = 0;
                for (int round = 0; round < 4; round++) {
                    long start = System.nanoTime();
                    for (int i = 0; i < repeats; i++) {
                        try (NDScope ignored = new NDScope()) {
                            linear.apply(x, w, manager).toFloatArray();
                        }
                    }
                    double gops = 2.0 * m * k * n * repeats / ((System.nanoTime() - start) / 1e9) / 1e9;
                    best = round == 0 ? best : Math.max(best, gops); // round 0: warm-up
                }
                return best;
            }
        }
    }

    // ---- quality ----

    private static void quality(
            List<String> texts, List<QualitySets.StsPair> sts, Path qwen3, PrintStream log, PrintStream out) {
        List<String> sample = texts.subList(0, Math.min(1000, texts.size()));
        QualitySets.Retrieval paraphrases = QualitySets.paraphrases(sts);
        QualitySets.Retrieval debian = QualitySets.firstSentences(texts.subList(0, Math.min(2000, texts.size())));
        out.printf(
                "%nQuality, int8 against fp32: cosine over %d Debian descriptions; STS-B test (%d pairs) Spearman ×100 "
                        + "of cosine vs the human score; nDCG@10 ×100 on %s (%d queries, %d documents) and %s (%d "
                        + "queries, %d documents).%n%n",
                sample.size(),
                sts.size(),
                paraphrases.name(),
                paraphrases.queries().size(),
                paraphrases.docs().size(),
                debian.name(),
                debian.queries().size(),
                debian.docs().size());
        out.println("| model | precision | cosine to fp32, min / median | STS-B Spearman | paraphrase nDCG@10 "
                + "| Debian nDCG@10 |");
        out.println("|---|---|---|---|---|---|");
        for (String name : BuiltinModels.NAMES) {
            double[] base = null;
            List<float[]> reference = null;
            for (Precision p : List.of(Precision.FP32, Precision.INT8)) {
                try (InProcessEmbeddingModel m =
                        InProcessEmbeddingModel.open(ModelOptions.defaults(name).withPrecision(p))) {
                    List<float[]> vectors = vectors(m, sample, false);
                    double[] scores = {
                        stsSpearman(m, sts), ndcg10(m, paraphrases), ndcg10(m, debian),
                    };
                    String cos = "1 / 1 (the reference)";
                    if (reference == null) {
                        reference = vectors;
                        base = scores;
                    } else {
                        cos = cosines(reference, vectors);
                    }
                    out.printf(
                            "| %s | %s | %s | %s | %s | %s |%n",
                            name,
                            p.key(),
                            cos,
                            withDelta(scores[0], base[0]),
                            withDelta(scores[1], base[1]),
                            withDelta(scores[2], base[2]));
                    log.printf("%s %s done%n", name, p.key());
                }
            }
        }
        if (qwen3 != null && Files.isDirectory(qwen3)) {
            List<float[]> reference;
            try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelOptions.defaults(qwen3.toString()))) {
                reference = vectors(m, sample.subList(0, Math.min(300, sample.size())), false);
            }
            try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(
                    ModelOptions.defaults(qwen3.toString()).withPrecision(Precision.INT8))) {
                List<float[]> v = vectors(m, sample.subList(0, reference.size()), false);
                out.printf(
                        "| %s (random weights: cosine only) | int8 | %s | — | — | — |%n",
                        qwen3.getFileName(), cosines(reference, v));
            }
        }
    }

    private static String withDelta(double value, double base) {
        return value == base ? String.format("%.2f", value) : String.format("%.2f (%+.2f)", value, value - base);
    }

    private static String cosines(List<float[]> a, List<float[]> b) {
        double[] cos = new double[a.size()];
        for (int i = 0; i < cos.length; i++) {
            cos[i] = Vectors.cosine(a.get(i), b.get(i));
        }
        Arrays.sort(cos);
        return String.format("%.4f / %.4f", cos[0], cos[cos.length / 2]);
    }

    private static List<float[]> vectors(InProcessEmbeddingModel m, List<String> texts, boolean queries) {
        List<EmbeddingInput> in = texts.stream()
                .map(t -> queries ? EmbeddingInput.query(t) : EmbeddingInput.document(t))
                .toList();
        return m.embed(in).embeddings().stream().map(Embedding::vector).toList();
    }

    private static double stsSpearman(InProcessEmbeddingModel m, List<QualitySets.StsPair> pairs) {
        List<float[]> a = vectors(m, pairs.stream().map(QualitySets.StsPair::a).toList(), false);
        List<float[]> b = vectors(m, pairs.stream().map(QualitySets.StsPair::b).toList(), false);
        double[] predicted = new double[pairs.size()];
        double[] gold = new double[pairs.size()];
        for (int i = 0; i < predicted.length; i++) {
            predicted[i] = Vectors.cosine(a.get(i), b.get(i));
            gold[i] = pairs.get(i).gold();
        }
        return QualitySets.spearman(predicted, gold);
    }

    private static double ndcg10(InProcessEmbeddingModel m, QualitySets.Retrieval set) {
        List<String> docIds = new ArrayList<>(set.docs().keySet());
        List<float[]> docs = vectors(m, new ArrayList<>(set.docs().values()), false);
        List<String> queryIds = new ArrayList<>(set.queries().keySet());
        List<float[]> queries = vectors(m, new ArrayList<>(set.queries().values()), true);
        double sum = 0;
        for (int q = 0; q < queries.size(); q++) {
            float[] qv = queries.get(q);
            double[] scores = new double[docs.size()];
            Integer[] order = new Integer[docs.size()];
            for (int d = 0; d < docs.size(); d++) {
                scores[d] = Vectors.cosine(qv, docs.get(d));
                order[d] = d;
            }
            Arrays.sort(order, (x, y) -> Double.compare(scores[y], scores[x]));
            List<String> ranking = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ranking.add(docIds.get(order[i]));
            }
            sum += RetrievalMetrics.ndcg(ranking, Map.of(set.relevant().get(queryIds.get(q)), 1), 10);
        }
        return 100 * sum / queries.size();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
