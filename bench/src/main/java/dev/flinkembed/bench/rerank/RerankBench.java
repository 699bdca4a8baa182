package dev.flinkembed.bench.rerank;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.bench.commands.PythonPeer;
import dev.flinkembed.jobs.cli.FlinkEmbedCli;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.rerank.TwoStageSearch;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.InProcessScoringModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.Score;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.scoring.ClassifierHead;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code bench --suite rerank}: a BERT cross-encoder of cross-encoder/ms-marco-MiniLM-L-6-v2's shape (see
 * {@link CrossEncoderCheckpoint}) scoring query–candidate pairs in-process (fp32 and int8) against ONNX Runtime on
 * the same weights (in this JVM, and the Python recipe) — pairs/s, median of paired rotating rounds, with the scores'
 * agreement — then the two-stage search latency (query embedding + pgvector's 100 nearest chunks, then the 100
 * reranked) p50/p99 on a real PostgreSQL with pgvector (PGlite).
 */
public final class RerankBench {

    static final int CANDIDATES = 100;
    static final int QUERIES = 20;
    static final int LATENCY_QUERIES = 60;

    private record Runner(String name, Supplier<double[]> run) {} // returns {seconds, ...scores}

    private RerankBench() {}

    public static void run(Path home, Path corpus, int rows, int rounds, PrintStream log, PrintStream out)
            throws Exception {
        List<GenericRecord> records = ParquetRows.head(corpus, Math.max(rows, CANDIDATES));
        List<String> texts =
                records.stream().map(r -> String.valueOf(r.get("text"))).toList();
        Path dir = home.resolve("bench/target/rerank");
        Path folder = dir.resolve("ms-marco-minilm-l6-shape");
        CrossEncoderCheckpoint.Head head = CrossEncoderCheckpoint.write(folder);
        List<String> queries = IntStream.range(0, QUERIES)
                .mapToObj(i -> firstSentence(texts.get(i * (texts.size() / QUERIES))))
                .toList();
        List<String> candidates = texts.subList(0, CANDIDATES);
        throughput(home, dir, folder, head, queries, candidates, rounds, log, out);
        latency(dir, records, log, out, folder);
    }

    static String firstSentence(String text) {
        return text.split("\\. ")[0];
    }

    // ---- pairs/s ----

    private static void throughput(
            Path home,
            Path dir,
            Path folder,
            CrossEncoderCheckpoint.Head head,
            List<String> queries,
            List<String> candidates,
            int rounds,
            PrintStream log,
            PrintStream out)
            throws Exception {
        int pairs = queries.size() * candidates.size();
        ModelOptions options = ModelOptions.defaults(folder.toString());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions ortOptions = new OrtSession.SessionOptions();
        ortOptions.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
        try (InProcessScoringModel fp32 = InProcessScoringModel.open(options);
                InProcessScoringModel int8 = InProcessScoringModel.open(options.withPrecision(Precision.INT8));
                OrtSession session = env.createSession(BuiltinModels.minilmOnnxBytes(), ortOptions)) {
            long tokens = 0;
            for (String q : queries) {
                tokens += fp32.score(q, candidates).stream()
                        .mapToLong(Score::tokens)
                        .sum();
            }
            ClassifierHead classifier = new ClassifierHead(
                    rows(head.poolerWeight()), head.poolerBias(), rows(head.classifierWeight()), head.classifierBias());
            Path pairsFile = dir.resolve("pairs.jsonl");
            ObjectMapper json = new ObjectMapper();
            List<String> lines = new ArrayList<>();
            for (String q : queries) {
                for (String d : candidates) {
                    lines.add(json.createObjectNode()
                            .put("query", q)
                            .put("document", d)
                            .toString());
                }
            }
            Files.write(pairsFile, lines);
            String python = PythonPeer.python(home, log);
            List<Runner> runners = new ArrayList<>(List.of(
                    new Runner("flink-embed in-process, fp32 (DJL/PyTorch)", () -> ours(fp32, queries, candidates)),
                    new Runner("flink-embed in-process, int8", () -> ours(int8, queries, candidates)),
                    new Runner(
                            "ONNX Runtime in this JVM, fp32 (batches of 32)",
                            () -> onnx(env, session, fp32, classifier, queries, candidates))));
            if (python != null) {
                Path script = PythonPeer.script(dir, "ort_rerank.py");
                runners.add(new Runner(
                        "Python: ONNX Runtime + tokenizers, fp32 (batches of 32)",
                        () -> PythonPeer.scores(
                                List.of(
                                        python,
                                        script.toString(),
                                        dir.resolve("encoder.onnx").toString(),
                                        folder.resolve("tokenizer.json").toString(),
                                        folder.resolve("model.safetensors").toString(),
                                        pairsFile.toString(),
                                        dir.resolve("python-scores.jsonl").toString(),
                                        Integer.toString(Runtime.getRuntime().availableProcessors())),
                                dir.resolve("python-scores.jsonl"))));
                Files.write(dir.resolve("encoder.onnx"), BuiltinModels.minilmOnnxBytes());
            }
            double[][] seconds = new double[runners.size()][rounds];
            double[][] scores = new double[runners.size()][];
            for (Runner r : runners) { // warm-up, and the scores each computes
                double[] result = r.run().get();
                scores[runners.indexOf(r)] = Arrays.copyOfRange(result, 1, result.length);
            }
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < runners.size(); k++) {
                    int i = (k + round) % runners.size();
                    seconds[i][round] = runners.get(i).run().get()[0];
                    log.printf(
                            "round %d: %s %.2f s%n", round + 1, runners.get(i).name(), seconds[i][round]);
                }
            }
            out.printf(
                    "%nReranking %d queries × %d candidates = %d pairs (%d tokens, %.0f a pair; Debian descriptions), a "
                            + "BERT cross-encoder of ms-marco-MiniLM-L-6-v2's shape, %d cores, median of %d paired "
                            + "rounds:%n%n",
                    queries.size(),
                    candidates.size(),
                    pairs,
                    tokens,
                    (double) tokens / pairs,
                    Runtime.getRuntime().availableProcessors(),
                    rounds);
            out.println(
                    "| scorer | seconds | pairs/s | tokens/s | vs in-process fp32 | worst score difference to in-process fp32 |");
            out.println("|---|---|---|---|---|---|");
            double base = pairs / median(seconds[0]);
            for (int i = 0; i < runners.size(); i++) {
                double s = median(seconds[i]);
                out.printf(
                        "| %s | %.2f | %.0f | %.0f | %.2f× | %s |%n",
                        runners.get(i).name(),
                        s,
                        pairs / s,
                        tokens / s,
                        pairs / s / base,
                        i == 0 ? "(the reference)" : String.format("%.2e", worstDelta(scores[0], scores[i])));
            }
        }
    }

    private static double[] ours(InProcessScoringModel model, List<String> queries, List<String> candidates) {
        long start = System.nanoTime();
        List<Score> all = new ArrayList<>();
        for (String q : queries) {
            all.addAll(model.score(q, candidates));
        }
        double[] out = new double[all.size() + 1];
        out[0] = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < all.size(); i++) {
            out[i + 1] = all.get(i).score();
        }
        return out;
    }

    /** ONNX Runtime on the same weights: our tokenizer's pairs, sorted by length, batches of 32, the same head. */
    private static double[] onnx(
            OrtEnvironment env,
            OrtSession session,
            InProcessScoringModel tokenizing,
            ClassifierHead head,
            List<String> queries,
            List<String> candidates) {
        long start = System.nanoTime();
        double[] out = new double[queries.size() * candidates.size() + 1];
        try {
            for (int q = 0; q < queries.size(); q++) {
                List<TokenIds> pairs = new ArrayList<>();
                for (String d : candidates) {
                    pairs.add(tokenizing.encode(queries.get(q), d));
                }
                Integer[] order = IntStream.range(0, pairs.size()).boxed().toArray(Integer[]::new);
                Arrays.sort(
                        order,
                        Comparator.comparingInt((Integer i) -> -pairs.get(i).length()));
                for (int from = 0; from < order.length; from += 32) {
                    int n = Math.min(32, order.length - from);
                    int width = pairs.get(order[from]).length();
                    long[][] ids = new long[n][width];
                    long[][] types = new long[n][width];
                    long[][] mask = new long[n][width];
                    for (int r = 0; r < n; r++) {
                        TokenIds p = pairs.get(order[from + r]);
                        System.arraycopy(p.ids(), 0, ids[r], 0, p.length());
                        System.arraycopy(p.typeIds(), 0, types[r], 0, p.length());
                        Arrays.fill(mask[r], 0, p.length(), 1L);
                    }
                    try (OnnxTensor a = OnnxTensor.createTensor(env, ids);
                            OnnxTensor b = OnnxTensor.createTensor(env, mask);
                            OnnxTensor c = OnnxTensor.createTensor(env, types);
                            OrtSession.Result result =
                                    session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
                        float[][][] hidden = (float[][][]) result.get(0).getValue();
                        for (int r = 0; r < n; r++) {
                            out[1 + q * candidates.size() + order[from + r]] = head.score(hidden[r][0]);
                        }
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
        out[0] = (System.nanoTime() - start) / 1e9;
        return out;
    }

    private static float[][] rows(float[] flat) {
        int h = CrossEncoderCheckpoint.HIDDEN;
        float[][] out = new float[flat.length / h][h];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(flat, i * h, out[i], 0, h);
        }
        return out;
    }

    private static double worstDelta(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    // ---- two-stage latency ----

    private static void latency(Path dir, List<GenericRecord> records, PrintStream log, PrintStream out, Path folder)
            throws Exception {
        Path input = dir.resolve("corpus.parquet");
        Files.deleteIfExists(input);
        ParquetRows.write(input, records);
        try (PgliteServer pg = PgliteServer.start()) {
            int code = FlinkEmbedCli.run(
                    "bulk",
                    "--input",
                    input.toString(),
                    "--output",
                    dir.resolve("bulk-out").toString(),
                    "--sink",
                    "pgvector",
                    "--pg-url",
                    pg.jdbcUrl(),
                    "--table",
                    "rerank_bench",
                    "--set",
                    "job.progress-interval=0");
            if (code != 0) {
                throw new IllegalStateException("bulk into PGlite failed with exit code " + code);
            }
            VectorStore store = Settings.storeForReading(
                    JobConfig.load(null, List.of("pgvector.url=" + pg.jdbcUrl(), "pgvector.table=rerank_bench")));
            try (StoreSession s = store.open();
                    InProcessEmbeddingModel embedder =
                            InProcessEmbeddingModel.open(ModelOptions.defaults(BuiltinModels.ALL_MINILM_L6_V2))) {
                out.printf(
                        "%nTwo-stage search on %d Debian descriptions in pgvector (PGlite), %d queries (a document's "
                                + "first sentence) after 5 warm-up ones: stage 1 = embed the query + %d nearest chunks, "
                                + "stage 2 = rerank them; milliseconds:%n%n",
                        records.size(), LATENCY_QUERIES, CANDIDATES);
                out.println("| reranker | stage 1 p50 / p99 | stage 2 p50 / p99 | total p50 / p99 |");
                out.println("|---|---|---|---|");
                for (Precision p : List.of(Precision.FP32, Precision.INT8)) {
                    try (InProcessScoringModel reranker = InProcessScoringModel.open(
                            ModelOptions.defaults(folder.toString()).withPrecision(p))) {
                        double[][] ms = new double[3][LATENCY_QUERIES];
                        for (int i = -5; i < LATENCY_QUERIES; i++) {
                            String query =
                                    firstSentence(String.valueOf(records.get(Math.floorMod(i * 31, records.size()))
                                            .get("text")));
                            long t0 = System.nanoTime();
                            float[] v = embedder.embed(List.of(EmbeddingInput.query(query)))
                                    .embeddings()
                                    .get(0)
                                    .vector();
                            List<SearchHit> hits = s.nearest(v, CANDIDATES);
                            long t1 = System.nanoTime();
                            TwoStageSearch.rerank(hits, query, reranker);
                            long t2 = System.nanoTime();
                            if (i >= 0) {
                                ms[0][i] = (t1 - t0) / 1e6;
                                ms[1][i] = (t2 - t1) / 1e6;
                                ms[2][i] = (t2 - t0) / 1e6;
                            }
                        }
                        out.printf(
                                "| in-process %s | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |%n",
                                p.key(),
                                percentile(ms[0], 50),
                                percentile(ms[0], 99),
                                percentile(ms[1], 50),
                                percentile(ms[1], 99),
                                percentile(ms[2], 50),
                                percentile(ms[2], 99));
                    }
                }
            }
        }
        log.println("latency measured");
    }

    static double median(double[] v) {
        return percentile(v, 50);
    }

    static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(p / 100 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, rank))];
    }
}
