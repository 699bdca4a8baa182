package dev.flinkembed.jobs.cluster;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.operators.testing.ParquetRows;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The bulk job as whole commands, side by side in one run, over the first N documents of the Debian corpus:
 * (1) {@code bin/flink-embed bulk} on the local MiniCluster (parallelism 2), (2) {@code flink run ... bulk} on a
 * standalone session cluster whose TaskManager has 2 slots (parallelism 2), (3) the same on a TaskManager with 1 slot
 * (parallelism 1). Both clusters run for the whole benchmark (idle when not measured); runs rotate so that every
 * variant sees the machine in every state. Each command loads the model (on a cluster the last job's model is released
 * when it ends), so all three pay the same start-up.
 *
 * <p>{@code mvn -B -q -DskipTests package && mvn -B -q -pl jobs exec:exec@cluster-bench [-Dbench.docs=2000]
 * [-Dbench.rounds=3]}
 */
public final class ClusterBench {

    private record Variant(String name, String slots, Command command) {}

    private interface Command {
        StandaloneCluster.CliResult run(Path input, Path output) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int docs = Integer.getInteger("bench.docs", 2000);
        int rounds = Integer.getInteger("bench.rounds", 3);
        Path corpus = TestCorpus.fullCorpusOrSample();
        List<GenericRecord> rows = ParquetRows.head(corpus, docs);
        docs = rows.size();
        Path tmp = Files.createTempDirectory("cluster-bench");
        Path input = tmp.resolve("docs.parquet");
        ParquetRows.write(input, rows);
        System.out.printf("corpus %s, %d documents, %d rounds%n", corpus, docs, rounds);

        try (StandaloneCluster two = StandaloneCluster.start(
                        tmp.resolve("two-slots"), Map.of("taskmanager.numberOfTaskSlots", "2"));
                StandaloneCluster one = StandaloneCluster.start(
                        tmp.resolve("one-slot"), Map.of("taskmanager.numberOfTaskSlots", "1"))) {
            two.startTaskManager();
            one.startTaskManager();
            two.awaitTaskManagers(1);
            one.awaitTaskManagers(1);
            Path jar = StandaloneCluster.jobJar();
            List<Variant> variants = List.of(
                    new Variant("local MiniCluster (bin/flink-embed)", "2", (in, out) -> local(in, out)),
                    new Variant(
                            "standalone cluster (flink run)",
                            "2",
                            (in, out) -> two.flink(
                                    "run",
                                    jar.toString(),
                                    "bulk",
                                    "--input",
                                    in.toString(),
                                    "--output",
                                    out.toString(),
                                    "--parallelism",
                                    "2")),
                    new Variant(
                            "standalone cluster (flink run)",
                            "1",
                            (in, out) -> one.flink(
                                    "run",
                                    jar.toString(),
                                    "bulk",
                                    "--input",
                                    in.toString(),
                                    "--output",
                                    out.toString(),
                                    "--parallelism",
                                    "1")));
            Map<Variant, List<Double>> seconds = new LinkedHashMap<>();
            variants.forEach(v -> seconds.put(v, new ArrayList<>()));
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < variants.size(); i++) {
                    Variant v = variants.get((i + r) % variants.size());
                    Path out =
                            tmp.resolve("out-" + r + "-" + seconds.get(v).size() + "-" + v.slots + v.name.hashCode());
                    long t0 = System.nanoTime();
                    StandaloneCluster.CliResult result = v.command.run(input, out);
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (result.exitCode() != 0 || !result.output().contains("Done: " + docs + "/" + docs)) {
                        throw new IllegalStateException(
                                v.name + " failed (exit " + result.exitCode() + "):\n" + result.output());
                    }
                    seconds.get(v).add(s);
                    System.out.printf("round %d: %s, %s slot(s): %.1f s%n", r + 1, v.name, v.slots, s);
                }
            }
            double local = median(seconds.get(variants.get(0)));
            System.out.println();
            System.out.println("| bulk job, " + docs + " documents | slots | median s (of " + rounds
                    + ") | documents/s | vs local |");
            System.out.println("|---|---|---|---|---|");
            for (Variant v : variants) {
                double m = median(seconds.get(v));
                System.out.printf("| %s | %s | %.1f | %.1f | %.2f× |%n", v.name, v.slots, m, docs / m, local / m);
            }
        }
        System.exit(0);
    }

    /** bin/flink-embed bulk: the local MiniCluster in a JVM of its own, as a user runs it. */
    private static StandaloneCluster.CliResult local(Path input, Path output) throws Exception {
        Process p = new ProcessBuilder(
                        TestCorpus.locate("bin/flink-embed").toString(),
                        "bulk",
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString(),
                        "--parallelism",
                        "2")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new StandaloneCluster.CliResult(p.waitFor(), out);
    }

    private static double median(List<Double> xs) {
        List<Double> sorted = xs.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
