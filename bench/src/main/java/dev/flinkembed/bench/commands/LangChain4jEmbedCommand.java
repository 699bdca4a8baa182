package dev.flinkembed.bench.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.BufferedReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The LangChain4j peer of {@code flink-embed embed} as a whole command, what a Java user of LangChain4j would write:
 * read JSON Lines {"id","text"}, {@code AllMiniLmL6V2EmbeddingModel.embedAll} (ONNX Runtime in-process), write
 * {"id","embedding"} lines in input order (LangChain4j does not report token counts).
 * Usage: {@code LangChain4jEmbedCommand INPUT.jsonl OUTPUT.jsonl [q]} ({@code q}: the int8 model, all-minilm-l6-v2-q).
 */
public final class LangChain4jEmbedCommand {

    private LangChain4jEmbedCommand() {}

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    rows.add(json.readTree(line));
                }
            }
        }
        dev.langchain4j.model.embedding.EmbeddingModel model = args.length > 2 && args[2].equals("q")
                ? new dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel()
                : new AllMiniLmL6V2EmbeddingModel();
        List<TextSegment> segments =
                rows.stream().map(r -> TextSegment.from(r.get("text").asText())).toList();
        List<Embedding> vectors = model.embedAll(segments).content();
        try (Writer out = Files.newBufferedWriter(Path.of(args[1]), StandardCharsets.UTF_8)) {
            for (int i = 0; i < rows.size(); i++) {
                ObjectNode row = json.createObjectNode();
                row.set("id", rows.get(i).get("id"));
                ArrayNode arr = row.putArray("embedding");
                for (float v : vectors.get(i).vector()) {
                    arr.add(v);
                }
                out.write(json.writeValueAsString(row));
                out.write('\n');
            }
        }
        System.exit(0); // LangChain4j's executor threads are not daemons
    }
}
