package dev.flinkembed.jobs.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.operators.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation sets in BEIR's format: queries as JSON Lines {@code {"_id": ..., "text": ...}} and relevance judgements
 * as TSV {@code query-id <TAB> corpus-id <TAB> score} (a header line is skipped).
 */
public final class BeirFiles {

    private BeirFiles() {}

    /** Query id → text, in file order. */
    public static Map<String, String> queries(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        List<String> lines = lines(file, "queries");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                JsonNode n = json.readTree(line);
                if (!n.path("_id").isValueNode() || !n.path("text").isTextual()) {
                    throw new IOException("needs \"_id\" and \"text\"");
                }
                out.put(n.get("_id").asText(), n.get("text").asText());
            } catch (IOException e) {
                throw new ConfigException(
                        "queries file " + file + ", line " + (i + 1) + ": not a BEIR query (" + e.getMessage() + ")");
            }
        }
        return out;
    }

    /** Query id → (document id → relevance grade). */
    public static Map<String, Map<String, Integer>> qrels(Path file) {
        Map<String, Map<String, Integer>> out = new HashMap<>();
        List<String> lines = lines(file, "qrels");
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).strip().split("\t");
            if (f.length < 3 || f[0].isEmpty()) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                throw new ConfigException("qrels file " + file + ", line " + (i + 1) + ": expected query-id, corpus-id "
                        + "and score separated by tabs");
            }
            try {
                int grade = Integer.parseInt(f[2].strip());
                out.computeIfAbsent(f[0], q -> new HashMap<>()).put(f[1], grade);
            } catch (NumberFormatException e) {
                if (i == 0) {
                    continue; // the header
                }
                throw new ConfigException(
                        "qrels file " + file + ", line " + (i + 1) + ": score '" + f[2] + "' is not a whole number");
            }
        }
        return out;
    }

    private static List<String> lines(Path file, String what) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read the " + what + " file " + file + ": " + e.getMessage());
        }
    }
}
