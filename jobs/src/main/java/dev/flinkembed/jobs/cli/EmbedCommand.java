package dev.flinkembed.jobs.cli;

import dev.flinkembed.operators.files.ModelFolderCache;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.Role;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed JSON Lines {\"id\",\"text\"} in this process (no Flink): writes "
                + "{\"id\",\"embedding\":[...],\"tokens\":N} in the same order.",
                "A line that is not such an object gets {\"id\",\"error\"} in its place; the exit code is then 1."})
final class EmbedCommand implements Callable<Integer> {

    private static final int WINDOW = 512;

    @Option(names = "--model", defaultValue = "builtin:all-minilm-l6-v2",
            description = "builtin:all-minilm-l6-v2 (default), builtin:bge-small-en-v1.5, builtin:e5-small-v2 or a Hugging Face model folder.")
    String model;

    @Option(names = "--kind", defaultValue = "document", description = "query or document (default).")
    String kind;

    @Option(names = "--instruction", description = "Instruction for the query role of instruction-tuned models "
            + "(Qwen3-Embedding; default: 'Given a web search query, retrieve relevant passages that answer the query').")
    String instruction;

    @Option(names = "--dimensions", description = "Keep the first N dimensions, then re-normalise.")
    Integer dimensions;

    @Option(names = "--input", defaultValue = "-", description = "JSON Lines file, or - for standard input.")
    String input;

    @Option(names = "--output", defaultValue = "-", description = "Output file, or - for standard output.")
    String output;

    @Override
    public Integer call() throws Exception {
        Role role = Role.parse(kind);
        ModelOptions options = ModelOptions.defaults(model).withDimensions(dimensions).withInstruction(instruction);
        ObjectMapper json = new ObjectMapper();
        int errors = 0;
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelFolderCache.localize(options));
             BufferedReader in = input.equals("-")
                     ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                     : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
             Writer out = output.equals("-")
                     ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                     : Files.newBufferedWriter(Path.of(output), StandardCharsets.UTF_8)) {
            List<JsonNode> window = new ArrayList<>();
            String line;
            long lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = json.readTree(line);
                } catch (Exception e) {
                    node = json.createObjectNode().put("error", "line " + lineNo + ": invalid JSON");
                }
                if (!node.has("error") && (!node.isObject() || !node.path("text").isTextual())) {
                    node = json.createObjectNode().set("id", node.isObject() ? node.get("id") : null);
                    ((ObjectNode) node).put("error", "line " + lineNo + ": expected {\"id\", \"text\": string}");
                }
                window.add(node);
                if (window.size() == WINDOW) {
                    errors += flush(m, role, window, out, json);
                }
            }
            errors += flush(m, role, window, out, json);
        }
        if (errors > 0) {
            System.err.println(errors + " input lines could not be embedded (see their \"error\")");
            return 1;
        }
        return 0;
    }

    private static int flush(InProcessEmbeddingModel m, Role role, List<JsonNode> window, Writer out, ObjectMapper json)
            throws java.io.IOException {
        List<EmbeddingInput> inputs = new ArrayList<>();
        for (JsonNode n : window) {
            if (!n.has("error")) {
                inputs.add(new EmbeddingInput(n.get("text").asText(), role));
            }
        }
        List<Embedding> vectors = m.embed(inputs).embeddings();
        int next = 0;
        int errors = 0;
        for (JsonNode n : window) {
            ObjectNode row = json.createObjectNode();
            row.set("id", n.get("id"));
            if (n.has("error")) {
                row.set("error", n.get("error"));
                errors++;
            } else {
                Embedding e = vectors.get(next++);
                ArrayNode arr = row.putArray("embedding");
                for (float v : e.vector()) {
                    arr.add(v);
                }
                row.put("tokens", e.tokens());
            }
            out.write(json.writeValueAsString(row));
            out.write('\n');
        }
        out.flush();
        window.clear();
        return errors;
    }
}
