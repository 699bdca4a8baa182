package dev.flinkembed.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.bench.InstantEmbeddingsServer;
import dev.flinkembed.jobs.cluster.StandaloneCluster;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.PgliteServer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bench --suite scale}: the pipeline at size with the model taken out (the instant stub server), on a
 * standalone Flink cluster as users run it (a JobManager and a TaskManager with 2 slots, each its own JVM; jobs
 * submitted with {@code flink run}). For each corpus size, on a fresh cluster: bulk → Parquet, bulk → pgvector,
 * reindex full-sync unchanged and with 1% changed, and the same documents as a Kafka backlog drained by the stream
 * job into pgvector and into a Parquet change log. Each run: wall time, documents/s, the peak resident set of the
 * client, the JobManager and the TaskManager, and Flink's busy/backpressured/idle share per stage, which names the
 * bottleneck. Optionally the in-process built-in model on a slice.
 */
public final class ScaleBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_ID = Pattern.compile("([0-9a-f]{32})");

    /** One measured run. */
    record Run(
            int size,
            String name,
            long documents,
            long chunks,
            double seconds,
            long clientKb,
            long jobManagerKb,
            long taskManagerKb,
            List<StageTimes> jobs,
            String summary,
            long[] liveHeapKb) {

        String row() {
            return String.format(
                    "| %,d | %s | %,d | %,d | %,d | %.1f | %,.0f | %d | %d | %d | %d | %d | %s |",
                    size,
                    name,
                    documents,
                    chunks,
                    tokens(),
                    seconds,
                    documents / seconds,
                    clientKb / 1024,
                    jobManagerKb / 1024,
                    taskManagerKb / 1024,
                    liveHeapKb[0] / 1024,
                    liveHeapKb[1] / 1024,
                    jobs.stream()
                            .max(java.util.Comparator.comparingLong(StageTimes::millis))
                            .map(StageTimes::bottleneck)
                            .orElse("n/a"));
        }

        long tokens() {
            return jobs.stream().mapToLong(StageTimes::tokens).sum();
        }

        /** Busy time of every stage of every job of the run, in ms. */
        long busyMillis() {
            return jobs.stream().mapToLong(StageTimes::busyMillis).sum();
        }

        void describe(PrintStream out) {
            if (!summary.isEmpty()) {
                out.println("    " + summary);
            }
            for (int j = 0; j < jobs.size(); j++) {
                if (jobs.size() > 1) {
                    out.printf("    job %d of %d:%n", j + 1, jobs.size());
                }
                jobs.get(j).stages().forEach(s -> out.println("    " + s.describe()));
            }
        }
    }

    /** What to run. */
    public record Options(
            Path source,
            List<Integer> sizes,
            int rowsPerFile,
            int parallelism,
            boolean pgvector,
            boolean stream,
            int inProcessDocs,
            Path work,
            long seed,
            boolean unchained,
            boolean realPostgres,
            boolean parquet,
            String pgIndex,
            Path before) {}

    /** The database of the pgvector runs: PGlite, or a PostgreSQL server (with pgvector installed in it). */
    private interface Database extends AutoCloseable {
        String jdbcUrl();

        Connection connect() throws Exception;

        static Database start(boolean server) throws Exception {
            if (server) {
                dev.flinkembed.jobs.cdc.Postgres15 pg = dev.flinkembed.jobs.cdc.Postgres15.start();
                return new Database() {
                    public String jdbcUrl() {
                        return pg.jdbcUrl();
                    }

                    public Connection connect() throws Exception {
                        return pg.connect();
                    }

                    public void close() throws Exception {
                        pg.close();
                    }
                };
            }
            PgliteServer pg = PgliteServer.start();
            return new Database() {
                public String jdbcUrl() {
                    return pg.jdbcUrl();
                }

                public Connection connect() throws Exception {
                    return pg.connect();
                }

                public void close() {
                    pg.close();
                }
            };
        }
    }

    private final Options options;
    private final PrintStream log;
    private final List<Run> runs = new ArrayList<>();
    /** This build (jobs/target), read once: starting a cluster of --compare-build changes what buildDir() says. */
    private final Path build = StandaloneCluster.buildDir();

    private Path runDir;

    private ScaleBench(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    public static void run(Options options, PrintStream log, PrintStream out) throws Exception {
        ScaleBench bench = new ScaleBench(options, log);
        ScaleCorpus corpus = ScaleCorpus.from(options.source(), options.seed());
        try (InstantEmbeddingsServer stub = new InstantEmbeddingsServer(384, true)) {
            for (int size : options.sizes()) {
                bench.size(corpus, size, stub);
            }
        }
        bench.print(out);
    }

    private void size(ScaleCorpus corpus, int size, InstantEmbeddingsServer stub) throws Exception {
        Path dir = options.work().resolve("docs-" + size + "-seed-" + options.seed());
        Path v1 = dir.resolve("v1");
        Path v2 = dir.resolve("v2");
        if (!Files.isDirectory(v2)) { // generated once per size and seed, reused by later runs of the bench
            long t0 = System.nanoTime();
            corpus.write(v1, size, options.rowsPerFile(), false);
            corpus.write(v2, size, options.rowsPerFile(), true);
            log.printf("generated %,d documents ×2 in %.0f s under %s%n", size, (System.nanoTime() - t0) / 1e9, dir);
        }
        runDir = Files.createTempDirectory(options.work(), "run-" + size + "-");
        String[] remote = {
            "--set", "embed.backend=remote",
            "--set", "remote.url=" + stub.url(),
            "--set", "remote.model=instant",
            "--set", "remote.encoding-format=base64",
            "--set", "job.progress-interval=0"
        };
        String p = Integer.toString(options.parallelism());
        Path build = this.build;
        try (StandaloneCluster cluster = cluster(runDir.resolve("cluster"), build);
                StandaloneCluster before =
                        options.before() == null ? null : cluster(runDir.resolve("cluster-before"), options.before());
                Database pg = options.pgvector() ? Database.start(options.realPostgres()) : null) {
            String jar = build.resolve("flink-embed-all.jar").toString();
            long chunks = -1;
            if (options.parquet()) {
                Run parquet = submit(
                        cluster,
                        size,
                        "bulk → Parquet",
                        size,
                        join(bulk(jar, v1, runDir.resolve("bulk-parquet")), remote));
                chunks = ParquetCounts.rows(runDir.resolve("bulk-parquet"));
                runs.set(
                        runs.size() - 1,
                        withChunks(parquet, chunks, ParquetCounts.files(runDir.resolve("bulk-parquet"))));
            }
            if (options.pgvector()) {
                String[] pgArgs = {"--pg-url", pg.jdbcUrl(), "--table", "scale"};
                submit(
                        cluster,
                        size,
                        "bulk → pgvector",
                        size,
                        join(
                                bulk(jar, v1, runDir.resolve("bulk-pg")),
                                new String[] {"--sink", "pgvector", "--set", "pgvector.index=" + options.pgIndex()},
                                pgArgs,
                                remote));
                runs.set(runs.size() - 1, withChunks(last(), count(pg, "scale")));
                // With a build to compare, each reindex run once on each, interleaved: unchanged on both, then v1 → v2
                // on the one and v2 → v1 on the other (the same 1% changed either way).
                List<String[]> steps = new ArrayList<>();
                steps.add(new String[] {"reindex full-sync, unchanged", v1.toString(), ""});
                if (before != null) {
                    steps.add(new String[] {"reindex full-sync, unchanged", v1.toString(), "before"});
                    steps.add(new String[] {"reindex full-sync, 1% changed", v2.toString(), "before"});
                    steps.add(new String[] {"reindex full-sync, 1% changed", v1.toString(), ""});
                } else {
                    steps.add(new String[] {"reindex full-sync, 1% changed", v2.toString(), ""});
                }
                for (String[] step : steps) {
                    boolean old = step[2].equals("before");
                    submit(
                            old ? before : cluster,
                            size,
                            step[0] + (old ? " (before)" : ""),
                            size,
                            join(
                                    new String[] {
                                        "run",
                                        (old ? options.before() : build)
                                                .resolve("flink-embed-all.jar")
                                                .toString(),
                                        "reindex",
                                        "--input",
                                        step[1],
                                        "--output",
                                        runDir.resolve("reindex").toString(),
                                        "--parallelism",
                                        p,
                                        "--mode",
                                        "full-sync"
                                    },
                                    pgArgs,
                                    remote));
                }
            }
            if (options.stream()) {
                stream(cluster, size, runDir, jar, pg, remote, chunks);
            }
            if (options.inProcessDocs() > 0 && size == options.sizes().get(0)) {
                Path slice = dir.resolve("slice-" + options.inProcessDocs());
                if (!Files.isDirectory(slice)) {
                    corpus.write(slice, options.inProcessDocs(), options.rowsPerFile(), false);
                }
                submit(
                        cluster,
                        options.inProcessDocs(),
                        "bulk → Parquet, in-process built-in model",
                        options.inProcessDocs(),
                        join(
                                bulk(jar, slice, runDir.resolve("in-process")),
                                new String[] {"--set", "job.progress-interval=0"}));
                runs.set(
                        runs.size() - 1,
                        withChunks(
                                last(),
                                ParquetCounts.rows(runDir.resolve("in-process")),
                                ParquetCounts.files(runDir.resolve("in-process"))));
            }
        }
    }

    /** {@code flink run JAR bulk} over {@code input} into {@code output} at the bench's parallelism. */
    private String[] bulk(String jar, Path input, Path output) {
        return new String[] {
            "run",
            jar,
            "bulk",
            "--input",
            input.toString(),
            "--output",
            output.toString(),
            "--parallelism",
            Integer.toString(options.parallelism())
        };
    }

    /** A session cluster of {@code build} (a jobs/target folder): a JobManager and one TaskManager. */
    private StandaloneCluster cluster(Path home, Path build) throws Exception {
        String p = Integer.toString(options.parallelism());
        System.setProperty("flink-embed.build-dir", build.toString()); // read by StandaloneCluster as it starts
        StandaloneCluster cluster = StandaloneCluster.start(
                home,
                Map.of(
                        "taskmanager.numberOfTaskSlots",
                        p,
                        "parallelism.default",
                        p,
                        // each operator its own task, so Flink's busy time names the operator, not the chain
                        "pipeline.operator-chaining.enabled",
                        Boolean.toString(!options.unchained())));
        cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
        return cluster;
    }

    /** The same documents as a Kafka backlog, drained by the stream job into pgvector and into a Parquet log. */
    private void stream(
            StandaloneCluster cluster, int size, Path runDir, String jar, Database pg, String[] remote, long chunks)
            throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start()) {
            kafka.createTopic("scale", options.parallelism());
            long t0 = System.nanoTime();
            produce(kafka, size);
            log.printf("backlog: %,d documents produced in %.0f s%n", size, (System.nanoTime() - t0) / 1e9);
            String p = Integer.toString(options.parallelism());
            String[] kafkaArgs = {"--bootstrap-servers", kafka.bootstrapServers(), "--topic", "scale"};
            if (pg != null) {
                watchStream(
                        cluster,
                        size,
                        "stream backlog → pgvector",
                        join(
                                new String[] {"run", "-d", jar, "stream", "--parallelism", p, "--sink", "pgvector"},
                                kafkaArgs,
                                new String[] {
                                    "--pg-url",
                                    pg.jdbcUrl(),
                                    "--table",
                                    "scale_stream",
                                    "--set",
                                    "pgvector.index=" + options.pgIndex()
                                },
                                remote,
                                new String[] {"--set", "kafka.group-id=scale-pg"}),
                        () -> count(pg, "scale_stream") >= last(size, "bulk → pgvector").chunks);
            }
            if (chunks < 0) {
                return; // no bulk → Parquet run to say how many rows the change log must reach (--skip parquet)
            }
            Path lake = runDir.resolve("lake");
            watchStream(
                    cluster,
                    size,
                    "stream backlog → Parquet change log",
                    join(
                            new String[] {
                                "run",
                                "-d",
                                jar,
                                "stream",
                                "--parallelism",
                                p,
                                "--sink",
                                "parquet",
                                "--output",
                                lake.toString()
                            },
                            kafkaArgs,
                            remote,
                            new String[] {"--set", "kafka.group-id=scale-parquet"}),
                    () -> ParquetCounts.rows(lake) >= chunks);
            runs.set(runs.size() - 1, withChunks(last(), ParquetCounts.rows(lake), ParquetCounts.files(lake)));
        }
    }

    interface Done {
        boolean check() throws Exception;
    }

    private void watchStream(StandaloneCluster cluster, int size, String name, String[] args, Done done)
            throws Exception {
        long[] jm = {0};
        long[] tm = {0};
        resetPeaks(cluster);
        long t0 = System.nanoTime();
        long[] client = {0};
        Process p = cluster.flinkAsync(args);
        PeakMemory.follow(p, client);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(name + " was not submitted:\n" + output);
        }
        String jobId = jobId(output);
        long deadline = System.nanoTime() + 4 * 3600 * 1_000_000_000L;
        while (!done.check()) {
            if (System.nanoTime() > deadline || !"RUNNING".equals(cluster.jobState(jobId))) {
                throw new IllegalStateException(name + ": the job is " + cluster.jobState(jobId) + " before done");
            }
            Thread.sleep(2000);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        jm[0] = PeakMemory.peakKb(cluster.jobManager().pid());
        tm[0] = PeakMemory.peakKb(cluster.taskManagers().get(0).pid());
        cluster.flink("cancel", jobId);
        cluster.waitFor(
                "the job canceled", () -> "CANCELED".equals(cluster.jobState(jobId)), java.time.Duration.ofMinutes(2));
        JsonNode job = keep(name, cluster.restOrNull("/jobs/" + jobId));
        Run run = new Run(
                size,
                name,
                size,
                -1,
                seconds,
                client[0],
                jm[0],
                tm[0],
                List.of(StageTimes.of(job, cluster.restOrNull("/jobs/" + jobId + "/accumulators"))),
                "",
                liveHeaps(cluster));
        runs.add(run);
        log.println(run.row());
        run.describe(log);
    }

    private Run submit(StandaloneCluster cluster, int size, String name, long documents, String[] args)
            throws Exception {
        resetPeaks(cluster);
        long[] client = {0};
        long t0 = System.nanoTime();
        Process p = cluster.flinkAsync(args);
        PeakMemory.follow(p, client);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (code != 0) {
            throw new IllegalStateException(name + " failed (exit " + code + "):\n" + output);
        }
        long jm = PeakMemory.peakKb(cluster.jobManager().pid());
        long tm = PeakMemory.peakKb(cluster.taskManagers().get(0).pid());
        List<StageTimes> jobs = new ArrayList<>();
        for (String id : jobIds(output)) {
            jobs.add(StageTimes.of(
                    keep(name, cluster.restOrNull("/jobs/" + id)),
                    cluster.restOrNull("/jobs/" + id + "/accumulators")));
        }
        String[] lines = output.strip().split("\n");
        String summary = lines[lines.length - 1].startsWith("{") ? lines[lines.length - 1] : "";
        Run run = new Run(size, name, documents, -1, seconds, client[0], jm, tm, jobs, summary, liveHeaps(cluster));
        runs.add(run);
        log.println(run.row());
        run.describe(log);
        return run;
    }

    /** Keeps the job's REST details (every vertex's metrics) beside the run's outputs, for a later look. */
    private JsonNode keep(String run, JsonNode job) throws java.io.IOException {
        Path dir = Files.createDirectories(runDir.resolve("jobs"));
        String file =
                run.replaceAll("[^A-Za-z0-9%]+", "-") + "-" + job.path("jid").asText() + ".json";
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(file).toFile(), job);
        return job;
    }

    /** The JobManager's and the TaskManager's heap in use after a full GC, in kB, once the run is over. */
    private static long[] liveHeaps(StandaloneCluster cluster) {
        return new long[] {
            PeakMemory.liveHeapKb(cluster.jobManager().pid()),
            PeakMemory.liveHeapKb(cluster.taskManagers().get(0).pid())
        };
    }

    private static void resetPeaks(StandaloneCluster cluster) throws Exception {
        PeakMemory.reset(cluster.jobManager().pid());
        PeakMemory.reset(cluster.taskManagers().get(0).pid());
    }

    private static String jobId(String output) {
        return jobIds(output).get(0);
    }

    /** Every job a command ran, in order (a reindex runs a planning pass before its run). */
    private static List<String> jobIds(String output) {
        Matcher m = JOB_ID.matcher(output);
        java.util.LinkedHashSet<String> ids = new java.util.LinkedHashSet<>();
        while (m.find()) {
            ids.add(m.group(1));
        }
        if (ids.isEmpty()) {
            throw new IllegalStateException("no job id in the output:\n" + output);
        }
        return List.copyOf(ids);
    }

    private Run last() {
        return runs.get(runs.size() - 1);
    }

    private Run last(int size, String name) {
        return runs.stream()
                .filter(r -> r.size() == size && r.name().equals(name))
                .reduce((a, b) -> b)
                .orElseThrow();
    }

    private static Run withChunks(Run r, long chunks, String summary) {
        Run with = withChunks(r, chunks);
        return new Run(
                with.size(),
                with.name(),
                with.documents(),
                chunks,
                with.seconds(),
                with.clientKb(),
                with.jobManagerKb(),
                with.taskManagerKb(),
                with.jobs(),
                summary,
                with.liveHeapKb());
    }

    private static Run withChunks(Run r, long chunks) {
        return new Run(
                r.size(),
                r.name(),
                r.documents(),
                chunks,
                r.seconds(),
                r.clientKb(),
                r.jobManagerKb(),
                r.taskManagerKb(),
                r.jobs(),
                r.summary(),
                r.liveHeapKb());
    }

    private static long count(Database pg, String table) throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return 0; // the stream job has not created its table yet
        }
    }

    private void produce(KafkaBroker kafka, int size) throws Exception {
        ScaleCorpus corpus = ScaleCorpus.from(options.source(), options.seed());
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            for (int i = 0; i < size; i++) {
                String id = ScaleCorpus.id(i);
                String json = "{\"id\":" + JSON.writeValueAsString(id) + ",\"text\":"
                        + JSON.writeValueAsString(corpus.text(i, false)) + "}";
                producer.send(new ProducerRecord<>(
                        "scale", id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /**
     * The scaling model checked against the measurement: from the smallest size's run, its busy time per document
     * (every stage, every slot: the work that grows with the corpus) and its fixed cost (wall time not explained by
     * that work spread over the slots: submission, start-up, the end), the larger size's time is predicted as fixed +
     * documents × busy per document / slots, then set beside what was measured.
     */
    private void modelCheck(PrintStream out) {
        if (options.sizes().size() < 2) {
            return;
        }
        int small = options.sizes().get(0);
        int p = options.parallelism();
        out.println();
        out.println("| run | at " + String.format("%,d", small) + ": busy ms/document | fixed s | predicted s | "
                + "measured s | measured / predicted |");
        out.println("|---|---|---|---|---|---|");
        for (Run big : runs) {
            if (big.size() == small) {
                continue;
            }
            runs.stream()
                    .filter(r -> r.size() == small && r.name().equals(big.name()) && r.busyMillis() > 0)
                    .findFirst()
                    .ifPresent(r -> {
                        double perDoc = (double) r.busyMillis() / r.documents();
                        double fixed = Math.max(0, r.seconds() - r.busyMillis() / 1000.0 / p);
                        double predicted = fixed + big.documents() * perDoc / 1000.0 / p;
                        out.printf(
                                "| %s | %.3f | %.1f | %.0f | %.0f | %.2f |%n",
                                big.name(), perDoc, fixed, predicted, big.seconds(), big.seconds() / predicted);
                    });
        }
    }

    private static String[] join(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] part : parts) {
            all.addAll(List.of(part));
        }
        return all.toArray(String[]::new);
    }

    private void print(PrintStream out) {
        out.println();
        out.println("| documents in the corpus | run | documents | chunks | tokens embedded | seconds | documents/s | "
                + "client peak MB | JobManager peak MB | TaskManager peak MB | JobManager heap after GC MB | "
                + "TaskManager heap after GC MB | bottleneck (Flink busy time) |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        runs.forEach(r -> out.println(r.row()));
        if (options.sizes().size() > 1) {
            int small = options.sizes().get(0);
            out.println();
            out.println("| run | peak RSS at "
                    + String.format("%,d", options.sizes().get(options.sizes().size() - 1)) + " / at "
                    + String.format("%,d", small) + ": client | JobManager | TaskManager | heap after GC: "
                    + "JobManager | TaskManager |");
            out.println("|---|---|---|---|---|---|");
            for (Run big : runs) {
                if (big.size() == small) {
                    continue;
                }
                runs.stream()
                        .filter(r -> r.size() == small && r.name().equals(big.name()))
                        .findFirst()
                        .ifPresent(r -> out.printf(
                                "| %s | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× |%n",
                                big.name(),
                                (double) big.clientKb() / r.clientKb(),
                                (double) big.jobManagerKb() / r.jobManagerKb(),
                                (double) big.taskManagerKb() / r.taskManagerKb(),
                                (double) big.liveHeapKb()[0] / r.liveHeapKb()[0],
                                (double) big.liveHeapKb()[1] / r.liveHeapKb()[1]));
            }
        }
        modelCheck(out);
        out.println();
        for (Run r : runs) {
            out.printf("%,d documents, %s: %.1f s%n", r.size(), r.name(), r.seconds());
            r.describe(out);
        }
    }
}
