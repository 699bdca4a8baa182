package dev.flinkembed.jobs.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Reindexing economy, whole commands side by side in one run against PostgreSQL + pgvector (PGlite): the first full
 * index of N Debian descriptions, an unchanged rerun (incremental and full-sync), and a rerun with 1% of the
 * documents changed.
 *
 * <p>{@code mvn -B -q -DskipTests install && mvn -B -q -pl jobs exec:exec@reindex-bench -Dbench.docs=20000}
 */
public final class ReindexBench {

    public static void main(String[] args) throws Exception {
        int docs = Integer.getInteger("bench.docs", 20000);
        int parallelism = Integer.getInteger("bench.parallelism", 2);
        Path corpus = TestCorpus.fullCorpusOrSample();
        List<GenericRecord> rows = ParquetRows.head(corpus, docs);
        docs = rows.size();
        Path tmp = Files.createTempDirectory("reindex-bench");
        Path v1 = tmp.resolve("v1.parquet");
        ParquetRows.write(v1, rows);
        List<GenericRecord> changed = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            GenericRecord r = rows.get(i);
            if (i % 100 == 50) {
                GenericData.Record copy = new GenericData.Record(r.getSchema());
                r.getSchema().getFields().forEach(f -> copy.put(f.name(), r.get(f.name())));
                copy.put("text", r.get("text") + " Updated for the benchmark.");
                changed.add(copy);
            } else {
                changed.add(r);
            }
        }
        Path v2 = tmp.resolve("v2.parquet");
        ParquetRows.write(v2, changed);
        System.out.printf("corpus %s, %d documents, parallelism %d%n", corpus, docs, parallelism);
        List<String[]> table = new ArrayList<>();
        try (PgliteServer pg = PgliteServer.start()) {
            double full = 0;
            for (String[] step : new String[][] {
                {"first full index", v1.toString(), "incremental"},
                {"unchanged rerun (incremental)", v1.toString(), "incremental"},
                {"unchanged rerun (full-sync)", v1.toString(), "full-sync"},
                {"1% of the documents changed (full-sync)", v2.toString(), "full-sync"}
            }) {
                CliRun run = CliRun.of(
                        "reindex",
                        "--input",
                        step[1],
                        "--pg-url",
                        pg.jdbcUrl(),
                        "--table",
                        "bench",
                        "--mode",
                        step[2],
                        "--parallelism",
                        Integer.toString(parallelism),
                        "--output",
                        tmp.resolve("out").toString(),
                        "--set",
                        "job.progress-interval=0");
                if (run.code() != 0) {
                    throw new IllegalStateException(step[0] + " failed: " + run.err());
                }
                String[] lines = run.out().strip().split("\n");
                JsonNode s = new ObjectMapper().readTree(lines[lines.length - 1]);
                double seconds = s.get("seconds").asDouble();
                if (full == 0) {
                    full = seconds;
                }
                table.add(new String[] {
                    step[0],
                    String.format("%.1f", seconds),
                    s.get("chunks_embedded").asText(),
                    s.get("changed").asText() + " / " + s.get("new").asText(),
                    String.format("%.1f%%", 100 * seconds / full)
                });
            }
        }
        System.out.println();
        System.out.println("| run (" + docs
                + " documents) | seconds | chunks embedded | documents changed / new | of the full run |");
        System.out.println("|---|---|---|---|---|");
        for (String[] r : table) {
            System.out.println("| " + String.join(" | ", r) + " |");
        }
        System.exit(0);
    }
}
