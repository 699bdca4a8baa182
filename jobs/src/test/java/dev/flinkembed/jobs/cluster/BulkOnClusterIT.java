package dev.flinkembed.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.operators.testing.ParquetRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk job submitted again and again to one standalone session cluster (a JobManager and one TaskManager with 2
 * slots, separate JVMs, Flink's defaults + conf/flink-cluster.yaml + jobs/target/flink-lib in lib/) with
 * {@code flink run jobs/target/flink-embed-all.jar bulk ...}: 3 times in a row, then 2 at once, with no restart of the
 * TaskManager. Every run must exit 0 with every document in its Parquet output (read back with DuckDB), and the
 * TaskManager must not grow per job (classes, threads, native memory).
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BulkOnClusterIT {

    static final int DOCS = 300;

    @TempDir
    static Path dir;

    static StandaloneCluster cluster;
    static Process taskManager;
    static Path input;
    static Set<String> ids = new HashSet<>();
    static final List<StandaloneCluster.ProcessMemory> memory = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        List<GenericRecord> rows = ParquetRows.head(TestCorpus.SAMPLE, DOCS);
        rows.forEach(r -> ids.add(r.get("id").toString()));
        input = dir.resolve("corpus.parquet");
        ParquetRows.write(input, rows);
        cluster = StandaloneCluster.start(
                dir.resolve("cluster"),
                Map.of(
                        "taskmanager.numberOfTaskSlots",
                        "2",
                        "env.java.opts.taskmanager",
                        "-XX:NativeMemoryTracking=summary"));
        taskManager = cluster.startTaskManager();
        cluster.awaitTaskManagers(1);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static StandaloneCluster.CliResult submitBulk(String name, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "run",
                StandaloneCluster.jobJar().toString(),
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve(name).toString(),
                "--parallelism",
                "2",
                "--set",
                "job.progress-interval=2s"));
        args.addAll(List.of(more));
        return cluster.flink(args.toArray(String[]::new));
    }

    private static void assertEveryDocument(String name, StandaloneCluster.CliResult run) throws Exception {
        assertThat(run.exitCode())
                .as("exit code of %s; output:%n%s", name, run.output())
                .isZero();
        assertThat(run.output())
                .as("progress lines under flink run")
                .contains("Done: " + DOCS + "/" + DOCS + " documents read");
        Set<String> found = new HashSet<>();
        long rows;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, count(*) OVER () FROM read_parquet('"
                        + dir.resolve(name).resolve("vectors") + "/*.parquet')")) {
            rows = 0;
            while (rs.next()) {
                found.add(rs.getString(1));
                rows = rs.getLong(2);
            }
        }
        assertThat(found).as("documents in %s", name).isEqualTo(ids);
        assertThat(rows).as("chunks in %s", name).isGreaterThanOrEqualTo(DOCS);
    }

    @Test
    @Order(1)
    void threeSubmissionsInARowAllSucceed() throws Exception {
        for (int i = 1; i <= 3; i++) {
            StandaloneCluster.CliResult run = submitBulk("sequential-" + i);
            System.out.println("cluster bulk run " + i + ":\n" + run.output());
            assertEveryDocument("sequential-" + i, run);
            memory.add(settledMemory());
            if (i == 1) {
                StandaloneCluster.nativeMemory(taskManager, "VM.native_memory baseline");
            }
        }
    }

    @Test
    @Order(2)
    void twoSubmissionsAtOnceBothSucceedWithoutGrowth() throws Exception {
        // 2 slots, 2 jobs of parallelism 2, different models (the built-in MiniLM and a Qwen3-Embedding checkpoint):
        // one runs, the other waits for slots and runs after it.
        String qwen3 = TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny")
                .toString();
        CompletableFuture<StandaloneCluster.CliResult> a =
                CompletableFuture.supplyAsync(() -> submitUnchecked("concurrent-a"));
        CompletableFuture<StandaloneCluster.CliResult> b =
                CompletableFuture.supplyAsync(() -> submitUnchecked("concurrent-b", "--model", qwen3));
        assertEveryDocument("concurrent-a", a.get());
        assertEveryDocument("concurrent-b", b.get());
        memory.add(settledMemory());

        StandaloneCluster.ProcessMemory first = memory.get(0);
        StandaloneCluster.ProcessMemory third = memory.get(2);
        StandaloneCluster.ProcessMemory fifth = memory.get(3);
        for (int i = 0; i < memory.size(); i++) {
            System.out.printf(
                    "TaskManager after job %d: RSS %d MB, heap committed %d MB, metaspace %d MB, %d classes, "
                            + "%d threads%n",
                    i < 3 ? i + 1 : 5,
                    memory.get(i).rssKb() >> 10,
                    memory.get(i).heapCommittedKb() >> 10,
                    memory.get(i).metaspaceKb() >> 10,
                    memory.get(i).loadedClasses(),
                    memory.get(i).threads());
        }
        String nmt = StandaloneCluster.nativeMemory(taskManager, "VM.native_memory summary.diff scale=MB");
        System.out.println("JVM memory, job 5 vs job 1 (Native Memory Tracking):\n" + nmt);
        java.util.regex.Matcher total = java.util.regex.Pattern.compile(
                        "Total: reserved=\\d+MB [+-]?\\d*M?B?,? ?" + "committed=\\d+MB ([+-]\\d+)MB")
                .matcher(nmt);
        long jvmGrowthMb = total.find() ? Long.parseLong(total.group(1)) : 0;
        System.out.printf(
                "TaskManager growth job 1 -> job 5: RSS %+d MB, of which the JVM (heap, metaspace, code, "
                        + "threads, direct buffers) %+d MB%n",
                (fifth.rssKb() - first.rssKb()) >> 10, jvmGrowthMb);
        // No job class loader, thread or native allocation stays behind: after the JVM's own pools (heap pages,
        // code cache, network buffers) have warmed up over the first jobs, each further job adds (nearly) nothing.
        assertThat(fifth.metaspaceKb() - third.metaspaceKb())
                .as("metaspace growth (kB) over jobs 4 and 5")
                .isLessThan(24 * 1024); // Flink may pin one more job loader (≈ 15 MB of classes), never one per job
        assertThat(fifth.threads() - first.threads())
                .as("thread growth, job 5 vs job 1")
                .isLessThanOrEqualTo(8); // pools: model workers (1 per slot), Flink's shuffle I/O
        assertThat(jvmGrowthMb)
                .as("JVM committed memory growth (MB), job 5 vs job 1")
                .isLessThan(64);
        // Weights and PyTorch buffers are freed with each job's last model instance and the freed pages given back to
        // the system (malloc_trim). Measured: +43 MB over jobs 4 and 5, of which 14 MB metaspace (the one loader Flink
        // pins); without the trim +308 MB. The bound is a fraction of the smallest model's weights (MiniLM, 86 MB).
        assertThat(fifth.rssKb() - third.rssKb())
                .as("RSS growth (kB) over jobs 4 and 5")
                .isLessThan(2 * 48 * 1024);
        assertThat(cluster.taskManagerLogs())
                .contains(
                        "Per model instance: 1 forward pass(es) at a time on 1 PyTorch thread(s) each (cores / slots; 2 "
                                + "cores, 2 slots");
    }

    /**
     * The TaskManager's memory once the finished jobs' class loaders are gone (Flink releases them in seconds) but
     * for at most 2: Flink's own blocking-shuffle I/O threads (a pool of 2 here) start during a batch job and keep that
     * job's class loader as their context class loader for the TaskManager's life — Flink's, bounded, not per job.
     */
    private static StandaloneCluster.ProcessMemory settledMemory() throws Exception {
        cluster.waitFor(
                "finished jobs' class loaders to be released",
                () -> {
                    try {
                        return StandaloneCluster.jobClassLoaders(taskManager) <= 2;
                    } catch (Exception e) {
                        return false;
                    }
                },
                java.time.Duration.ofSeconds(90));
        return StandaloneCluster.memory(taskManager);
    }

    @Test
    @Order(3)
    void aModelLargerThanTheOffHeapBudgetFailsWithTheSizeItNeeds() throws Exception {
        // A Qwen3-Embedding-8B-shaped folder: its config.json and a tokenizer, no weights. The budget is checked from
        // the config before any weight is read, so the check is all this run can reach.
        Path model = Files.createDirectories(dir.resolve("qwen3-8b-shape"));
        Path fixture = TestCorpus.locate("model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny");
        Files.copy(fixture.resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        Files.copy(fixture.resolve("tokenizer_config.json"), model.resolve("tokenizer_config.json"));
        Files.writeString(model.resolve("config.json"), """
                {"model_type": "qwen3", "vocab_size": 151665, "hidden_size": 4096, "num_hidden_layers": 36,
                 "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 12288,
                 "max_position_embeddings": 40960, "rms_norm_eps": 1e-6, "rope_theta": 1000000, "hidden_act": "silu",
                 "eos_token_id": 151643}""");
        StandaloneCluster.CliResult run = cluster.flink(
                "run",
                StandaloneCluster.jobJar().toString(),
                "bulk",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("too-large").toString(),
                "--model",
                model.toString(),
                "--parallelism",
                "1");
        System.out.println("too large a model:\n" + run.output());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output())
                .containsPattern("error: model \\S+ needs \\d+ MB of native memory in this TaskManager")
                .contains("taskmanager.memory.task.off-heap.size is 512 MB: set it to at least");
        assertThat(Files.exists(dir.resolve("too-large/vectors"))
                        && Files.list(dir.resolve("too-large/vectors"))
                                .findAny()
                                .isPresent())
                .as("nothing written")
                .isFalse();
    }

    @Test
    @Order(4)
    void reindexUnderFlinkRunPlansLocksAndReportsAndARerunEmbedsNothing() throws Exception {
        try (dev.flinkembed.operators.testing.PgliteServer pg = dev.flinkembed.operators.testing.PgliteServer.start()) {
            String[] args = {
                "run",
                StandaloneCluster.jobJar().toString(),
                "reindex",
                "--input",
                input.toString(),
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "on_cluster",
                "--mode",
                "full-sync",
                "--parallelism",
                "2",
                "--output",
                dir.resolve("reindex-out").toString(),
                "--set",
                "job.progress-interval=2s"
            };
            StandaloneCluster.CliResult first = cluster.flink(args);
            System.out.println("reindex under flink run:\n" + first.output());
            assertThat(first.exitCode()).as(first.output()).isZero();
            com.fasterxml.jackson.databind.JsonNode summary = lastJson(first.output());
            assertThat(summary.get("new").asLong()).isEqualTo(DOCS);
            assertThat(summary.get("chunks_embedded").asLong()).isGreaterThanOrEqualTo(DOCS);

            StandaloneCluster.CliResult again = cluster.flink(args);
            assertThat(again.exitCode()).as(again.output()).isZero();
            com.fasterxml.jackson.databind.JsonNode rerun = lastJson(again.output());
            assertThat(rerun.get("unchanged").asLong()).isEqualTo(DOCS);
            assertThat(rerun.get("chunks_embedded").asLong()).isZero();
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode lastJson(String output) throws Exception {
        String json = java.util.Arrays.stream(output.split("\n"))
                .filter(l -> l.startsWith("{\"command\""))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no summary line in:\n" + output));
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    }

    private static StandaloneCluster.CliResult submitUnchecked(String name, String... more) {
        try {
            return submitBulk(name, more);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
