package dev.flinkembed.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {

    @TempDir
    Path dir;

    private static String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString();
    }

    @Test
    void configurationMistakesFailBeforeAnyJobWithTheKeyNamed() {
        int[] code = new int[1];
        String err = stderrOf(() -> code[0] = FlinkEmbedCli.run(
                "bulk",
                "--input",
                TestCorpus.SAMPLE.toString(),
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "chunking.overlap=3"));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err)
                .contains("unknown configuration key 'chunking.overlap'")
                .contains("did you mean 'chunking.overlap-tokens'");
        assertThat(dir.resolve("out")).doesNotExist();

        err = stderrOf(() -> code[0] = FlinkEmbedCli.run(
                "bulk",
                "--input",
                dir.resolve("missing.parquet").toString(),
                "--output",
                dir.resolve("out").toString()));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("source.path").contains("missing.parquet").contains("does not exist");

        err = stderrOf(() -> code[0] = FlinkEmbedCli.run(
                "bulk",
                "--input",
                TestCorpus.SAMPLE.toString(),
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "source.text-column=body"));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("source.text-column").contains("'body'").contains("[id, text]");

        err = stderrOf(() -> code[0] = FlinkEmbedCli.run(
                "bulk",
                "--input",
                TestCorpus.SAMPLE.toString(),
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "model.dimensions=999"));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("'model.dimensions'").contains("'999'").contains("1..384");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    @org.junit.jupiter.api.Tag("e2e")
    void anEmbeddingTimeoutFailsTheJobWithAMessageInsteadOfHanging() {
        int[] code = new int[1];
        String err = stderrOf(() -> code[0] = FlinkEmbedCli.run(
                "bulk",
                "--input",
                TestCorpus.SAMPLE.toString(),
                "--output",
                dir.resolve("out").toString(),
                "--set",
                "embed.timeout=1ms",
                "--set",
                "job.progress-interval=0",
                "--set",
                "job.restart-attempts=0"));
        assertThat(code[0]).isEqualTo(1);
        assertThat(err).contains("took longer than embed.timeout = 1 ms");
    }

    @Test
    void embedWritesOneLinePerInputInOrderWithTheModelsVectors() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(
                in,
                String.join(
                                "\n",
                                "{\"id\": \"1\", \"text\": \"The capital of China is Beijing.\"}",
                                "{\"id\": \"2\", \"text\": \"" + "long text ".repeat(300) + "\"}",
                                "not json",
                                "{\"id\": 4, \"text\": \"What is the capital of China?\"}")
                        + "\n");
        Path out = dir.resolve("out.jsonl");
        String err = stderrOf(() -> FlinkEmbedCli.run(
                "embed", "--input", in.toString(), "--output", out.toString(), "--dimensions", "128"));
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(4);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertThat(first.get("id").asText()).isEqualTo("1");
        assertThat(first.get("embedding")).hasSize(128);
        assertThat(json.readTree(lines.get(1)).get("tokens").asInt()).isEqualTo(256);
        assertThat(json.readTree(lines.get(2)).get("error").asText()).contains("line 3");
        JsonNode fourth = json.readTree(lines.get(3));
        assertThat(fourth.get("id").asInt()).isEqualTo(4);
        assertThat(err).contains("1 input lines could not be embedded");
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(
                ModelOptions.defaults(ModelOptions.DEFAULT_MODEL).withDimensions(128))) {
            float[] expected = m.embed(List.of(EmbeddingInput.document("What is the capital of China?")))
                    .embeddings()
                    .get(0)
                    .vector();
            float[] got = new float[128];
            for (int i = 0; i < 128; i++) {
                got[i] = (float) fourth.get("embedding").get(i).asDouble();
            }
            assertThat(Vectors.cosine(expected, got)).isGreaterThan(0.99999);
        }
    }

    @Test
    void embedKeepsInputOrderAcrossForwardPassesWithErrorsInPlace() throws Exception {
        // Enough lines for dozens of forward passes, finishing out of order on two workers; every 97th line is broken.
        StringBuilder input = new StringBuilder();
        int lines = 1500;
        for (int i = 0; i < lines; i++) {
            input.append(
                            i % 97 == 50
                                    ? "{\"id\": " + i + "}"
                                    : "{\"id\": " + i + ", \"text\": \"document number " + i + " "
                                            + "word ".repeat(i % 40) + "\"}")
                    .append('\n');
        }
        Path in = dir.resolve("many.jsonl");
        Files.writeString(in, input);
        Path out = dir.resolve("many-out.jsonl");
        String err = stderrOf(() -> FlinkEmbedCli.run("embed", "--input", in.toString(), "--output", out.toString()));
        List<String> written = Files.readAllLines(out);
        assertThat(written).hasSize(lines);
        ObjectMapper json = new ObjectMapper();
        int errors = 0;
        try (InProcessEmbeddingModel m =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            for (int i = 0; i < lines; i++) {
                JsonNode row = json.readTree(written.get(i));
                assertThat(row.get("id").asInt()).isEqualTo(i);
                if (i % 97 == 50) {
                    assertThat(row.get("error").asText()).contains("line " + (i + 1));
                    errors++;
                } else if (i % 150 == 0) {
                    float[] expected = m.embed(List.of(
                                    EmbeddingInput.document("document number " + i + " " + "word ".repeat(i % 40))))
                            .embeddings()
                            .get(0)
                            .vector();
                    float[] got = new float[expected.length];
                    for (int j = 0; j < got.length; j++) {
                        got[j] = (float) row.get("embedding").get(j).asDouble();
                    }
                    assertThat(Vectors.cosine(expected, got)).isGreaterThan(0.99999);
                }
            }
        }
        assertThat(err).contains(errors + " input lines could not be embedded");
    }
}
