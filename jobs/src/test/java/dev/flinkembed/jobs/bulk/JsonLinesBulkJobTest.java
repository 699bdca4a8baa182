package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.cli.FlinkEmbedCli;
import dev.flinkembed.operators.testing.ParquetRows;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON Lines input with every kind of malformed line, including bytes that are not UTF-8. */
@Tag("e2e")
class JsonLinesBulkJobTest {

    @TempDir
    Path dir;

    @Test
    void goodLinesAreEmbeddedAndEveryBadLineIsADeadLetterWithItsReason() throws Exception {
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        for (int i = 0; i < 40; i++) {
            input.writeBytes(("{\"id\": \"doc-" + i + "\", \"text\": \"Document number " + i
                            + " about Debian packages.\", \"title\": \"Title " + i + "\", \"metadata\": {\"n\": \"" + i
                            + "\"}}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        String[] bad = {
            "{broken json",
            "[1, 2, 3]",
            "{\"text\": \"no id\"}",
            "{\"id\": \"no-text\"}",
            "{\"id\": 12, \"text\": \"numeric id\"}",
            "{\"id\": \"empty\", \"text\": \"\"}",
            "{\"id\": \"op\", \"text\": \"x\", \"op\": \"merge\"}",
            "{\"id\": \"del\", \"op\": \"delete\"}"
        };
        for (String b : bad) {
            input.writeBytes((b + "\n").getBytes(StandardCharsets.UTF_8));
        }
        input.writeBytes(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xff, '"', '}', '\n'});
        input.writeBytes("\n   \n".getBytes(StandardCharsets.UTF_8)); // blank lines are not records
        Path file = dir.resolve("docs.jsonl");
        Files.write(file, input.toByteArray());

        Path out = dir.resolve("out");
        int code = FlinkEmbedCli.run(
                "bulk", "--input", file.toString(), "--output", out.toString(), "--set", "job.progress-interval=0");
        assertThat(code).isZero();

        List<GenericRecord> vectors = ParquetRows.readAll(out.resolve("vectors"));
        assertThat(vectors).hasSize(40);
        assertThat(vectors).allSatisfy(v -> {
            assertThat(v.get("title").toString()).startsWith("Title ");
            assertThat(((java.util.Map<?, ?>) v.get("metadata"))).hasSize(1);
        });

        List<JsonNode> letters = new ArrayList<>();
        try (Stream<Path> files = Files.list(out.resolve("dead-letter"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    letters.add(new ObjectMapper().readTree(line));
                }
            }
        }
        List<String> reasons =
                letters.stream().map(l -> l.get("reason").asText()).sorted().toList();
        assertThat(reasons).hasSize(9);
        assertThat(reasons)
                .anyMatch(r -> r.startsWith("invalid JSON"))
                .contains(
                        "expected a JSON object, got array",
                        "missing required field 'id'",
                        "missing required field 'text'",
                        "field 'id' must be a string, got number",
                        "field 'text' is empty",
                        "not valid UTF-8",
                        "op 'delete' needs a sink that can delete (pgvector or Kafka), not Parquet files")
                .anyMatch(r -> r.startsWith("unknown op"));
        assertThat(letters).anyMatch(l -> l.has("original_base64"));
    }
}
