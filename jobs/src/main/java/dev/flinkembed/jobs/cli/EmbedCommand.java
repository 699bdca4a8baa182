package dev.flinkembed.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.Role;
import dev.flinkembed.runtime.batching.MicroBatcher;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.loading.NativeThreads;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        description = {
            "Embed JSON Lines {\"id\",\"text\"} in this process (no Flink): writes "
                    + "{\"id\",\"embedding\":[...],\"tokens\":N} in the same order.",
            "A line that is not such an object gets {\"id\",\"error\"} in its place; the exit code is then 1."
        })
final class EmbedCommand implements Callable<Integer> {

    /**
     * Tokens sorted by length together into forward passes: larger flushes pad less (16,384: 3.4% padding on the
     * Debian descriptions; 65,536: 1.5%). The workers share a flush's passes, so a large last flush costs no idle
     * core; the reader only tokenizes ahead that much more before the first pass.
     */
    private static final long FLUSH_TOKENS = 65_536;
    /** How long the last, smaller flush waits for more input. */
    private static final Duration FLUSH_WAIT = Duration.ofMillis(20);
    /** Lines between the reader and the writer: memory stays bounded on any input. */
    private static final int IN_FLIGHT = 8192;

    @Mixin
    ConfigFlags config = new ConfigFlags();

    @Option(names = "--kind", defaultValue = "document", description = "query or document (default).")
    String kind;

    @Option(
            names = "--instruction",
            description = "Instruction for the query role of instruction-tuned models (model.instruction).")
    String instruction;

    @Option(names = "--dimensions", description = "Keep the first N dimensions, then re-normalise (model.dimensions).")
    String dimensions;

    @Option(names = "--input", defaultValue = "-", description = "JSON Lines file, or - for standard input.")
    String input;

    @Option(names = "--output", defaultValue = "-", description = "Output file, or - for standard output.")
    String output;

    @Override
    public Integer call() throws Exception {
        Role role = Role.parse(kind);
        ModelOptions options = Settings.model(config.load()
                .with(JobOptions.MODEL_INSTRUCTION, instruction)
                .with(JobOptions.MODEL_DIMENSIONS, dimensions));
        ObjectMapper json = new ObjectMapper();
        int errors;
        // The cores as a TaskManager with one slot divides them: two forward passes at a time (NativeThreads.plan).
        NativeThreads.Plan threads = NativeThreads.plan(Runtime.getRuntime().availableProcessors(), 1);
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelFolderCache.localize(options));
                MicroBatcher batcher = new MicroBatcher(
                        m,
                        FLUSH_TOKENS,
                        FLUSH_WAIT,
                        stats -> {},
                        "flink-embed-embed",
                        threads.workers(),
                        threads.threadsPerWorker());
                BufferedReader in = input.equals("-")
                        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                        : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
                Writer out = output.equals("-")
                        ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                        : Files.newBufferedWriter(Path.of(output), StandardCharsets.UTF_8)) {
            // Three stages at once: this thread reads, parses and tokenizes line n+1 while the batcher's worker runs
            // the model on earlier lines and the writer formats finished ones, in input order. The bounded queue keeps
            // memory flat on any input size.
            BlockingQueue<Line> lines = new ArrayBlockingQueue<>(IN_FLIGHT);
            ExecutorService writerThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "flink-embed-writer"));
            Future<Integer> writer = writerThread.submit(() -> write(lines, out, json));
            try {
                read(in, role, batcher, lines, json, writer);
                lines.put(Line.END);
                errors = writer.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            } finally {
                writer.cancel(true);
                writerThread.shutdownNow();
            }
        }
        if (errors > 0) {
            System.err.println(errors + " input lines could not be embedded (see their \"error\")");
            return 1;
        }
        return 0;
    }

    /** One input line on its way out: the id and either its embedding to come or the reason it has none. */
    private record Line(JsonNode id, CompletableFuture<Embedding> embedding, JsonNode error) {
        static final Line END = new Line(null, null, null);
    }

    private static void read(
            BufferedReader in,
            Role role,
            MicroBatcher batcher,
            BlockingQueue<Line> lines,
            ObjectMapper json,
            Future<Integer> writer)
            throws Exception {
        String text;
        long lineNo = 0;
        while ((text = in.readLine()) != null) {
            lineNo++;
            if (text.isBlank()) {
                continue;
            }
            Line line;
            JsonNode node = null;
            try {
                node = json.readTree(text);
            } catch (Exception e) {
                // reported below
            }
            if (node == null) {
                line = new Line(null, null, TextNode.valueOf("line " + lineNo + ": invalid JSON"));
            } else if (!node.isObject() || !node.path("text").isTextual()) {
                line = new Line(
                        node.isObject() ? node.get("id") : null,
                        null,
                        TextNode.valueOf("line " + lineNo + ": expected {\"id\", \"text\": string}"));
            } else {
                line = new Line(
                        node.get("id"),
                        batcher.submit(new EmbeddingInput(node.get("text").asText(), role)),
                        null);
            }
            while (!lines.offer(line, 100, TimeUnit.MILLISECONDS)) {
                if (writer.isDone()) {
                    return; // the writer failed: its exception is reported by the caller
                }
            }
        }
    }

    private static int write(BlockingQueue<Line> lines, Writer out, ObjectMapper json) throws Exception {
        int errors = 0;
        Line line;
        while ((line = lines.take()) != Line.END) {
            ObjectNode row = json.createObjectNode();
            row.set("id", line.id());
            if (line.error() != null) {
                row.set("error", line.error());
                errors++;
            } else {
                Embedding e = line.embedding().join();
                ArrayNode arr = row.putArray("embedding");
                for (float v : e.vector()) {
                    arr.add(v);
                }
                row.put("tokens", e.tokens());
            }
            out.write(json.writeValueAsString(row));
            out.write('\n');
            if (lines.isEmpty()) {
                out.flush(); // a reader of standard output sees each result as soon as nothing else is ready
            }
        }
        out.flush();
        return errors;
    }
}
