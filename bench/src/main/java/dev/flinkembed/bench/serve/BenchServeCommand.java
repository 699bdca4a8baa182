package dev.flinkembed.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.remote.EmbeddingsProtocol;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "bench-serve",
        mixinStandardHelpOptions = true,
        description = {
            "Load-test an OpenAI-compatible embeddings server (flink-embed serve, vLLM, TEI), in the spirit "
                    + "of `vllm bench serve --backend openai-embeddings`: N requests of one input of about "
                    + "--input-tokens tokens each, --concurrency at a time."
        })
public final class BenchServeCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code bin/flink-embed bench-serve ...}: a load generator, so it lives with the benchmarks, not in the product. */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new BenchServeCommand()).execute(args));
    }

    @Option(names = "--url", required = true, description = "The API base, e.g. http://127.0.0.1:8080/v1.")
    String url;

    @Option(names = "--model", description = "Model id to send (default: the first of GET /v1/models).")
    String model;

    @Option(names = "--requests", defaultValue = "1000", description = "Requests in all (default 1000).")
    int requests;

    @Option(
            names = "--input-tokens",
            defaultValue = "200",
            description = "Tokens per input (default 200, counted " + "with the built-in tokenizer).")
    int inputTokens;

    @Option(names = "--concurrency", defaultValue = "16", description = "Requests in flight (default 16).")
    int concurrency;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed of the inputs.")
    long seed;

    @Option(
            names = "--duration",
            description =
                    "Soak mode: send requests for this many seconds instead of "
                            + "--requests (inputs cycle through --requests distinct texts); prints one line per --report-every.")
    Integer duration;

    @Option(names = "--report-every", defaultValue = "60", description = "Seconds per soak report line (default 60).")
    int reportEvery;

    @Option(
            names = "--api-key-env",
            description = "Environment variable holding the server's API key (sent as " + "'Authorization: Bearer').")
    String apiKeyEnv;

    @Option(
            names = "--attack",
            description = "Instead of load: hostile-bodies (--concurrency bodies of "
                    + "--attack-bytes each, {\"model\":\"x\",\"input\":[{},{},…]}; prints the answers and, with --server-pid, "
                    + "the server's peak RSS) or stalled-connections (--concurrency sockets that send one byte; prints how long "
                    + "GET /health takes).")
    String attack;

    @Option(
            names = "--attack-bytes",
            defaultValue = "4194000",
            description = "Body size of hostile-bodies (default " + "just under serve's 4 MiB limit).")
    int attackBytes;

    @Option(
            names = "--server-pid",
            description =
                    "The server's process id (same machine): its peak resident memory " + "(VmHWM) is read from /proc.")
    Long serverPid;

    @Override
    public Integer call() throws Exception {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        if (attack != null) {
            return switch (attack) {
                case "hostile-bodies" -> ServeAttacks.hostileBodies(base, concurrency, attackBytes, serverPid);
                case "stalled-connections" -> ServeAttacks.stalledConnections(base, concurrency);
                default ->
                    throw new IllegalArgumentException(
                            "--attack " + attack + ": accepted: hostile-bodies, stalled-connections");
            };
        }
        String key = apiKeyEnv == null
                ? null
                : dev.flinkembed.operators.config.Secrets.fromEnvironment("--api-key-env", apiKeyEnv);
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        if (model == null) {
            HttpResponse<String> r = http.send(
                    authorized(HttpRequest.newBuilder(URI.create(base + "/models")), key)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            model = JSON.readTree(r.body()).path("data").path(0).path("id").asText(null);
        }
        List<String> inputs = inputs();
        long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration * 1_000_000_000L;
        long total = duration == null ? requests : Long.MAX_VALUE;
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        AtomicInteger busyWithoutRetryAfter = new AtomicInteger();
        AtomicLong tokens = new AtomicLong();
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Double> window = new ConcurrentLinkedQueue<>();
        AtomicLong next = new AtomicLong();
        List<Future<?>> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < concurrency; w++) {
            workers.add(pool.submit(() -> {
                for (long i = next.getAndIncrement();
                        i < total && System.nanoTime() < end;
                        i = next.getAndIncrement()) {
                    byte[] body = EmbeddingsProtocol.request(
                            model, List.of(inputs.get((int) (i % inputs.size()))), null, "float");
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> r = http.send(
                                authorized(HttpRequest.newBuilder(URI.create(base + "/embeddings")), key)
                                        .header("Content-Type", "application/json")
                                        .timeout(Duration.ofMinutes(5))
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        double ms = (System.nanoTime() - t0) / 1e6;
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                            latencies.add(ms);
                            window.add(ms);
                            JsonNode usage = JSON.readTree(r.body()).path("usage");
                            tokens.addAndGet(usage.path("prompt_tokens").asLong(0));
                        } else if (r.statusCode() == 429) { // back-pressure, as designed: wait as told
                            busy.incrementAndGet();
                            String after = r.headers().firstValue("Retry-After").orElse(null);
                            if (after == null) {
                                busyWithoutRetryAfter.incrementAndGet();
                            }
                            Thread.sleep(after == null ? 1000 : (long) (Double.parseDouble(after) * 1000));
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        if (duration != null) {
            System.out.println("| minute | requests ok | 429 | failed | p50 ms | p99 ms | server RSS MB |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (int t = reportEvery; t <= duration; t += reportEvery) {
                Thread.sleep(Math.max(0, start / 1_000_000 + t * 1000L - System.nanoTime() / 1_000_000));
                double[] w = drain(window);
                System.out.printf(
                        "| %.1f | %d | %d | %d | %.0f | %.0f | %s |%n",
                        t / 60.0,
                        ok.get(),
                        busy.get(),
                        failed.get(),
                        percentile(w, 50),
                        percentile(w, 99),
                        serverRssMb(http, base, key));
            }
        }
        for (Future<?> f : workers) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        double[] good = drain(latencies);
        System.out.println("============ Serving Benchmark Result ============");
        System.out.printf("%-40s %d%n", "Successful requests:", ok.get());
        System.out.printf(
                "%-40s %d%n", "Refused busy (429, with Retry-After):", busy.get() - busyWithoutRetryAfter.get());
        System.out.printf("%-40s %d%n", "Refused busy without Retry-After:", busyWithoutRetryAfter.get());
        System.out.printf("%-40s %d%n", "Failed requests:", failed.get());
        System.out.printf("%-40s %d%n", "Maximum request concurrency:", concurrency);
        System.out.printf("%-40s %.2f%n", "Benchmark duration (s):", seconds);
        System.out.printf("%-40s %d%n", "Total input tokens:", tokens.get());
        System.out.printf("%-40s %.2f%n", "Request throughput (req/s):", ok.get() / seconds);
        System.out.printf("%-40s %.2f%n", "Total token throughput (tok/s):", tokens.get() / seconds);
        System.out.println("----------------End-to-end Latency----------------");
        System.out.printf(
                "%-40s %.2f%n", "Mean E2EL (ms):", Arrays.stream(good).average().orElse(Double.NaN));
        System.out.printf("%-40s %.2f%n", "Median E2EL (ms):", percentile(good, 50));
        System.out.printf("%-40s %.2f%n", "P99 E2EL (ms):", percentile(good, 99));
        System.out.println("==================================================");
        return failed.get() == 0 && busyWithoutRetryAfter.get() == 0 ? 0 : 1;
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder b, String key) {
        return key == null ? b : b.header("Authorization", "Bearer " + key);
    }

    /** The latencies gathered so far, sorted; the queue is emptied. */
    private static double[] drain(ConcurrentLinkedQueue<Double> q) {
        List<Double> all = new ArrayList<>();
        for (Double d; (d = q.poll()) != null; ) {
            all.add(d);
        }
        return all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** process_resident_memory_bytes from the server's /metrics (flink-embed serve, or any Prometheus client). */
    private static String serverRssMb(HttpClient http, String base, String key) {
        try {
            String root = base.endsWith("/v1") ? base.substring(0, base.length() - 3) : base;
            String metrics = http.send(
                            authorized(HttpRequest.newBuilder(URI.create(root + "/metrics")), key)
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("process_resident_memory_bytes ")) {
                    return String.format("%.0f", Double.parseDouble(line.split(" ")[1]) / (1 << 20));
                }
            }
        } catch (Exception e) {
            return "n/a";
        }
        return "n/a";
    }

    /** Random word sequences cut to --input-tokens tokens of the built-in tokenizer (special tokens included). */
    private List<String> inputs() {
        String[] words = ("stream batch vector index document chunk model token embedding server request latency "
                        + "throughput kafka flink postgres parquet search query cluster slot operator checkpoint table "
                        + "failure retry network memory processor language package library system data")
                .split(" ");
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(requests);
        try (ModelTokenizer tok = ModelTokenizer.load(BuiltinModels.minilmTokenizerFile(), 100_000)) {
            for (int i = 0; i < requests; i++) {
                StringBuilder sb = new StringBuilder();
                while (tok.encode(sb.toString()).ids().length < inputTokens) {
                    sb.append(words[random.nextInt(words.length)]).append(' ');
                }
                out.add(sb.toString().trim());
            }
        }
        return out;
    }

    private static double percentile(double[] sorted, double p) {
        return sorted.length == 0
                ? Double.NaN
                : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }
}
