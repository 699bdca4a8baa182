package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.cli.FlinkEmbedCli;
import dev.flinkembed.operators.testing.ParquetRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** chunking.max-document-chars: a longer document is a dead letter holding it whole (replayable), the rest embeds. */
class DocumentLimitTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aDocumentOverTheLimitIsADeadLetterWithItsReasonAndItsText() throws Exception {
        String big = "Debian package description. ".repeat(300); // 8,700 characters
        String small = "Debian package description. ".repeat(100); // 2,900 characters
        Path input = dir.resolve("docs.jsonl");
        Files.writeString(
                input,
                JSON.createObjectNode().put("id", "big").put("text", big).put("title", "Big") + "\n"
                        + JSON.createObjectNode().put("id", "small").put("text", small) + "\n");
        Path out = dir.resolve("out");
        int code = FlinkEmbedCli.run(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                out.toString(),
                "--set",
                "chunking.max-document-chars=5000",
                "--set",
                "job.progress-interval=0");
        assertThat(code).isZero();

        List<GenericRecord> vectors = ParquetRows.readAll(out.resolve("vectors"));
        assertThat(vectors)
                .isNotEmpty()
                .allSatisfy(v -> assertThat(v.get("doc_id").toString()).isEqualTo("small"));
        List<JsonNode> letters = new ArrayList<>();
        try (Stream<Path> files = Files.list(out.resolve("dead-letter"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    letters.add(JSON.readTree(line));
                }
            }
        }
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).get("reason").asText())
                .contains("'big'")
                .contains(big.length() + " characters")
                .contains("chunking.max-document-chars (5000)");
        JsonNode original = JSON.readTree(letters.get(0).get("original").asText());
        assertThat(original.get("text").asText()).isEqualTo(big); // whole, as a line of JSON Lines input
        assertThat(original.get("title").asText()).isEqualTo("Big");
    }
}
