package dev.flinkembed.bench;

import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.EmbeddingResult;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Throughput of a Qwen3-Embedding-0.6B-shaped model (random weights made here) on Debian documents, with 1 and 2
 * model instances (slots) sharing the weights, against this machine's fp32 GEMM ceiling measured in the same run.
 */
public final class Qwen3ShapeBench {

    private Qwen3ShapeBench() {}

    public static List<String> run(Path corpus, int docs, Path tokenizer, PrintStream log) throws Exception {
        RandomQwen3Checkpoint.Shape shape = RandomQwen3Checkpoint.Shape.QWEN3_0_6B;
        Path dir = Files.createTempDirectory("flink-embed-qwen3-bench");
        List<String> lines = new ArrayList<>();
        try {
            long t0 = System.nanoTime();
            Path folder = RandomQwen3Checkpoint.write(dir.resolve("qwen3-0.6b-random"), shape, tokenizer);
            log.printf(
                    "wrote random Qwen3-0.6B-shaped weights (%d MB BF16) in %.0f s%n",
                    Files.size(folder.resolve("model.safetensors")) >> 20, (System.nanoTime() - t0) / 1e9);
            List<EmbeddingInput> inputs = ParquetRows.head(corpus, docs).stream()
                    .map(r -> EmbeddingInput.document(String.valueOf(r.get("text"))))
                    .toList();
            double flopsPerToken = 2.0 * shape.nonEmbeddingParameters();
            double gemm = gemmGflops();
            double ceiling = gemm * 1e9 / flopsPerToken;
            lines.add(String.format(
                    "fp32 GEMM measured in this run: %.0f GFLOP/s → ceiling %.0f tokens/s " + "(%.2f GFLOP per token)",
                    gemm, ceiling, flopsPerToken / 1e9));
            long rssBefore = rssBytes();
            ModelOptions options = ModelOptions.defaults(folder.toString());
            try (InProcessEmbeddingModel first = InProcessEmbeddingModel.open(options)) {
                long rssLoaded = rssBytes();
                first.embed(inputs.subList(0, 4)); // warm-up
                long start = System.nanoTime();
                EmbeddingResult one = first.embed(inputs);
                double s1 = (System.nanoTime() - start) / 1e9;
                double tps1 = one.stats().realTokens() / s1;
                lines.add(String.format(
                        "1 slot: %d docs, %d tokens in %.1f s = %.1f tokens/s (%.0f%% of the "
                                + "ceiling), padding %.1f%%",
                        inputs.size(),
                        one.stats().realTokens(),
                        s1,
                        tps1,
                        100 * tps1 / ceiling,
                        100 * one.stats().paddingRatio()));
                for (Precision p : List.of(Precision.FP16, Precision.INT8)) {
                    lines.add(otherPrecision(options.withPrecision(p), inputs, one, tps1));
                }
                try (InProcessEmbeddingModel second = InProcessEmbeddingModel.open(options)) {
                    long rssTwo = rssBytes();
                    ExecutorService pool = Executors.newFixedThreadPool(2);
                    int half = inputs.size() / 2;
                    start = System.nanoTime();
                    Future<EmbeddingResult> a = pool.submit(() -> first.embed(inputs.subList(0, half)));
                    Future<EmbeddingResult> b = pool.submit(() -> second.embed(inputs.subList(half, inputs.size())));
                    long tokens = a.get().stats().realTokens() + b.get().stats().realTokens();
                    double s2 = (System.nanoTime() - start) / 1e9;
                    pool.shutdown();
                    lines.add(String.format(
                            "2 slots (shared weights): %d tokens in %.1f s = %.1f tokens/s "
                                    + "(%.0f%% of the ceiling)",
                            tokens, s2, tokens / s2, 100 * tokens / s2 / ceiling));
                    lines.add(String.format(
                            "memory (process RSS): %.2f GB before loading, %.2f GB with the model "
                                    + "loaded, %.2f GB with a second slot, peak %.2f GB",
                            rssBefore / 1e9, rssLoaded / 1e9, rssTwo / 1e9, peakRssBytes() / 1e9));
                }
            }
        } finally {
            deleteRecursively(dir);
        }
        return lines;
    }

    /** One slot in another precision against the fp32 run {@code fp32}: speed, the weights' RSS, cosines. */
    private static String otherPrecision(
            ModelOptions options, List<EmbeddingInput> inputs, EmbeddingResult fp32, double fp32TokensPerSecond)
            throws IOException {
        long rssBefore = rssBytes();
        try (InProcessEmbeddingModel model = InProcessEmbeddingModel.open(options)) {
            long rssLoaded = rssBytes();
            model.embed(inputs.subList(0, 4));
            long start = System.nanoTime();
            EmbeddingResult r = model.embed(inputs);
            double seconds = (System.nanoTime() - start) / 1e9;
            double worst = 1;
            double sum = 0;
            for (int i = 0; i < inputs.size(); i++) {
                double cos = dev.flinkembed.runtime.pooling.Vectors.cosine(
                        fp32.embeddings().get(i).vector(), r.embeddings().get(i).vector());
                worst = Math.min(worst, cos);
                sum += cos;
            }
            double tps = r.stats().realTokens() / seconds;
            return String.format(
                    "1 slot, model.precision=%s: %.1f tokens/s (%.2f× fp32), +%.2f GB RSS for its weights; "
                            + "cosine to the float32 vectors: mean %.6f, worst %.6f",
                    options.precision().key(),
                    tps,
                    tps / fp32TokensPerSecond,
                    (rssLoaded - rssBefore) / 1e9,
                    sum / inputs.size(),
                    worst);
        }
    }

    /** fp32 GEMM speed on matrices of this model's MLP shape ([1024 tokens × 1024] · [1024 × 3072]). */
    static double gemmGflops() {
        return GemmCeiling.gflops(1024, 1024, 3072);
    }

    private static long rssBytes() throws IOException {
        return statusKb("VmRSS:") * 1024;
    }

    private static long peakRssBytes() throws IOException {
        return statusKb("VmHWM:") * 1024;
    }

    private static long statusKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
