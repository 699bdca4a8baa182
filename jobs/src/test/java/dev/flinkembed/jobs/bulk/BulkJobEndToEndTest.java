package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.FlinkEmbedCli;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.loading.SharedModels;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk job over 3,000 real documents (the shipped sample three times) plus malformed rows, run through the command
 * line on a local MiniCluster with two slots; the vectors are read back with DuckDB, an independent Parquet reader.
 */
@Tag("e2e")
class BulkJobEndToEndTest {

    @TempDir
    static Path dir;

    static Path output;
    static List<GenericRecord> good;
    static int loadsDuringJob;
    static int exitCode;

    @BeforeAll
    static void runJob() throws Exception {
        Path input = Files.createDirectories(dir.resolve("input"));
        good = TestCorpus.replicated(3);
        ParquetRows.write(input.resolve("a-corpus.parquet"), good);
        ParquetRows.write(input.resolve("b-wrong-type.parquet"), TestCorpus.wrongTypeRows(5));
        ParquetRows.write(input.resolve("c-nulls.parquet"), TestCorpus.nullRows());
        output = dir.resolve("out");
        String key = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL).weightsKey();
        int before = SharedModels.loadCount(key);
        exitCode = FlinkEmbedCli.run(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                output.toString(),
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=2s");
        loadsDuringJob = SharedModels.loadCount(key) - before;
    }

    private static Connection duckdb() throws Exception {
        return DriverManager.getConnection("jdbc:duckdb:");
    }

    private static String vectors() {
        return "read_parquet('" + output.resolve("vectors") + "/*.parquet')";
    }

    @Test
    void theJobSucceedsAndTheTwoSlotsLoadedTheWeightsOnce() {
        assertThat(exitCode).isZero();
        assertThat(loadsDuringJob).isEqualTo(1);
    }

    @Test
    void everyInputIdIsPresentWithExactlyOneRowPerChunk() throws Exception {
        Set<String> expectedIds = new HashSet<>();
        good.forEach(r -> expectedIds.add(r.get("id").toString()));
        expectedIds.add("good-null-file");
        Map<String, List<int[]>> byDoc = new HashMap<>();
        try (Connection c = duckdb();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count FROM " + vectors())) {
            while (rs.next()) {
                byDoc.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                        .add(new int[] {rs.getInt(2), rs.getInt(3)});
            }
        }
        assertThat(byDoc.keySet()).isEqualTo(expectedIds);
        int multiChunk = 0;
        for (var e : byDoc.entrySet()) {
            int count = e.getValue().get(0)[1];
            Set<Integer> indices = new HashSet<>();
            e.getValue().forEach(row -> {
                assertThat(row[1]).isEqualTo(count);
                indices.add(row[0]);
            });
            assertThat(e.getValue()).as(e.getKey()).hasSize(count);
            assertThat(indices).hasSize(count);
            multiChunk += count > 1 ? 1 : 0;
        }
        assertThat(multiChunk).as("some Debian descriptions exceed 256 tokens").isPositive();
    }

    @Test
    void vectorsAreUnitNormOfTheModelDimensionAndEqualTheModelsOutput() throws Exception {
        try (Connection c = duckdb();
                Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT min(len(embedding)), max(len(embedding)), "
                    + "min(sqrt(list_sum(list_transform(embedding, x -> x * x)))), "
                    + "max(sqrt(list_sum(list_transform(embedding, x -> x * x)))), count(*) FROM " + vectors());
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(384);
            assertThat(rs.getInt(2)).isEqualTo(384);
            assertThat(rs.getDouble(3)).isGreaterThan(0.9999);
            assertThat(rs.getDouble(4)).isLessThan(1.0001);
            assertThat(rs.getLong(5)).isGreaterThan(good.size());

            ResultSet sample = s.executeQuery("SELECT doc_id, text, embedding FROM " + vectors()
                    + " WHERE chunk_count = 1 ORDER BY doc_id LIMIT 20");
            List<String> texts = new ArrayList<>();
            List<float[]> stored = new ArrayList<>();
            while (sample.next()) {
                texts.add(sample.getString(2));
                Object[] arr = (Object[]) sample.getArray(3).getArray();
                float[] v = new float[arr.length];
                for (int i = 0; i < arr.length; i++) {
                    v[i] = ((Number) arr[i]).floatValue();
                }
                stored.add(v);
            }
            try (InProcessEmbeddingModel m =
                    InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
                var fresh = m.embed(texts.stream().map(EmbeddingInput::document).toList())
                        .embeddings();
                for (int i = 0; i < texts.size(); i++) {
                    assertThat(Vectors.cosine(stored.get(i), fresh.get(i).vector()))
                            .isGreaterThan(0.99999);
                }
            }
        }
    }

    @Test
    void fileMetadataNamesTheModelSetUp() throws Exception {
        Map<String, String> meta = new HashMap<>();
        try (Connection c = duckdb();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT decode(key), decode(value) FROM parquet_kv_metadata('"
                        + output.resolve("vectors") + "/*.parquet')")) {
            while (rs.next()) {
                meta.put(rs.getString(1), rs.getString(2));
            }
        }
        assertThat(meta)
                .containsEntry("flink-embed.model", "builtin:all-minilm-l6-v2")
                .containsEntry("flink-embed.dimensions", "384")
                .containsEntry("flink-embed.pooling", "mean")
                .containsEntry("flink-embed.normalized", "true")
                .containsKey("flink-embed.model-fingerprint");
    }

    @Test
    void malformedRowsAreDeadLettersWithReasons() throws Exception {
        List<JsonNode> letters = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(output.resolve("dead-letter"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                    .toList()) {
                for (String line : Files.readAllLines(f)) {
                    letters.add(json.readTree(line));
                }
            }
        }
        assertThat(letters).hasSize(8);
        List<String> reasons =
                letters.stream().map(l -> l.get("reason").asText()).toList();
        assertThat(reasons.stream().filter(r -> r.startsWith("column 'text' must be a string, got long")))
                .hasSize(5);
        assertThat(reasons)
                .contains(
                        "missing required column 'id' (null)",
                        "missing required column 'text' (null)",
                        "column 'text' is empty");
        assertThat(letters)
                .allSatisfy(l -> assertThat(l.get("original").asText()).isNotEmpty());
    }
}
