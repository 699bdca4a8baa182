package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.stream.StreamExpectations;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bulk --previous}: a second snapshot of a changed corpus reuses the earlier output's vectors for every chunk
 * that did not change, embeds only the rest, and equals a fresh bulk run of the new corpus (read back with DuckDB).
 */
@Tag("e2e")
class BulkPreviousOutputTest {

    @TempDir
    Path dir;

    Path write(String name, Map<String, String> docs) throws Exception {
        return TestCorpus.writeDocuments(dir.resolve(name + ".parquet"), docs);
    }

    static CliRun bulk(Path input, Path output, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "bulk",
                "--input",
                input.toString(),
                "--output",
                output.toString(),
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=0"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** doc#chunk → [lineage, embedded_at, vector]. */
    static Map<String, Object[]> read(Path output) throws Exception {
        Map<String, Object[]> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT doc_id, chunk_index, chunk_count, start_char, end_char, token_count, "
                                + "content_hash, model_fingerprint, text, epoch_ms(embedded_at), embedding FROM read_parquet('"
                                + output.resolve("vectors") + "/*.parquet')")) {
            while (rs.next()) {
                String lineage = rs.getInt(3) + " " + rs.getInt(4) + "-" + rs.getInt(5) + " " + rs.getInt(6) + " "
                        + rs.getString(7) + " " + rs.getString(8) + " " + rs.getString(9);
                Object[] arr = (Object[]) rs.getArray(11).getArray();
                float[] v = new float[arr.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = ((Number) arr[i]).floatValue();
                }
                Object[] row = {lineage, rs.getLong(10), v};
                if (out.put(rs.getString(1) + "#" + rs.getInt(2), row) != null) {
                    throw new AssertionError("row twice: " + rs.getString(1) + "#" + rs.getInt(2));
                }
            }
        }
        return out;
    }

    @Test
    void unchangedChunksKeepTheirVectorsAndTheSnapshotEqualsAFreshRun() throws Exception {
        Map<String, String> v1 = new LinkedHashMap<>();
        for (GenericRecord r : ParquetRows.head(TestCorpus.SAMPLE, 300)) {
            v1.put(r.get("id").toString(), r.get("text").toString());
        }
        Map<String, String> v2 = new LinkedHashMap<>(v1);
        List<String> ids = new ArrayList<>(v1.keySet());
        for (int i = 0; i < 10; i++) {
            v2.put(ids.get(i * 7), v1.get(ids.get(i * 7)) + " Edited for the second snapshot.");
            v2.remove(ids.get(299 - i));
            v2.put("added-" + i, "A package added later, number " + i + ", with a description of its own.");
        }
        Path out1 = dir.resolve("out1");
        assertThat(bulk(write("v1", v1), out1).code()).isZero();

        Path out2 = dir.resolve("out2");
        CliRun second = bulk(write("v2", v2), out2, "--previous", out1.toString());
        assertThat(second.code()).as(second.err()).isZero();
        Set<String> toEmbed = StreamExpectations.chunksToEmbed(JobConfig.defaults(), v1, v2);
        int total = StreamExpectations.expectedChunks(JobConfig.defaults(), v2).size();
        assertThat(second.out())
                .contains(toEmbed.size() + " chunks embedded")
                .contains("Reused " + (total - toEmbed.size()) + " vectors from " + out1);

        Path fresh = dir.resolve("fresh");
        assertThat(bulk(dir.resolve("v2.parquet"), fresh).code()).isZero();
        Map<String, Object[]> first = read(out1);
        Map<String, Object[]> snapshot = read(out2);
        Map<String, Object[]> reference = read(fresh);
        assertThat(snapshot.keySet()).isEqualTo(reference.keySet());
        double worst = 1;
        int reused = 0;
        for (String k : reference.keySet()) {
            assertThat(snapshot.get(k)[0])
                    .as("lineage of %s", k)
                    .isEqualTo(reference.get(k)[0]);
            worst = Math.min(worst, Vectors.cosine((float[]) snapshot.get(k)[2], (float[])
                    reference.get(k)[2]));
            String hashKey = k + " " + ((String) snapshot.get(k)[0]).split(" ")[3];
            if (!toEmbed.contains(hashKey)) {
                reused++;
                assertThat(snapshot.get(k)[1])
                        .as("%s reused from the first output, embedded_at included", k)
                        .isEqualTo(first.get(k)[1]);
            }
        }
        System.out.printf(
                "bulk --previous: %d rows, %d reused, %d embedded; worst cosine to a fresh run %.8f%n",
                snapshot.size(), reused, snapshot.size() - reused, worst);
        assertThat(reused).isEqualTo(total - toEmbed.size());
        assertThat(worst).isGreaterThanOrEqualTo(0.99999);
    }
}
