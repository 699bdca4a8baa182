package dev.flinkembed.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `flink-embed embed --model <fixture> --kind query --instruction ... --dimensions 16` gives the golden vectors. */
class EmbedQwen3Test {

    static final Path FIXTURE =
            dev.flinkembed.jobs.TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny");

    @TempDir
    Path dir;

    @Test
    void embedReproducesTheGoldenMatryoshkaVectorsOfTheQueries() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode golden = json.readTree(FIXTURE.resolve("golden.json").toFile());
        List<JsonNode> queries = new ArrayList<>();
        StringBuilder in = new StringBuilder();
        for (JsonNode c : golden.get("cases")) {
            if (c.get("kind").asText().equals("query")) {
                queries.add(c);
                in.append(json.writeValueAsString(json.createObjectNode()
                                .put("id", "q" + queries.size())
                                .put("text", c.get("text").asText())))
                        .append('\n');
            }
        }
        assertThat(queries).isNotEmpty();
        Path input = dir.resolve("queries.jsonl");
        Files.writeString(input, in);
        Path output = dir.resolve("out.jsonl");
        int code = FlinkEmbedCli.run(
                "embed",
                "--model",
                FIXTURE.toString(),
                "--kind",
                "query",
                "--instruction",
                queries.get(0).get("instruction").asText(),
                "--dimensions",
                "16",
                "--input",
                input.toString(),
                "--output",
                output.toString());
        assertThat(code).isZero();
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).hasSize(queries.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode row = json.readTree(lines.get(i));
            assertThat(row.get("id").asText()).isEqualTo("q" + (i + 1));
            float[] got = new float[row.get("embedding").size()];
            for (int k = 0; k < got.length; k++) {
                got[k] = (float) row.get("embedding").get(k).asDouble();
            }
            float[] expected = new float[16];
            for (int k = 0; k < 16; k++) {
                expected[k] = (float) queries.get(i).get("embedding_16").get(k).asDouble();
            }
            assertThat(got).hasSize(16);
            assertThat(Vectors.cosine(got, expected)).isGreaterThanOrEqualTo(0.99999);
            assertThat(row.get("tokens").asInt())
                    .isEqualTo(queries.get(i).get("input_ids").size());
        }
    }
}
