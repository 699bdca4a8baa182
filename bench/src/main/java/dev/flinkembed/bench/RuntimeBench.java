package dev.flinkembed.bench;

import dev.flinkembed.jobs.bulk.BulkJob;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.EmbeddingResult;
import dev.flinkembed.runtime.batching.BatchPlanner;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The foundation benchmark, all in one JVM and one run so the ratios are fair on a noisy machine: (a) the runtime with
 * token-budget batching, (b) the runtime with fixed-size batches in input order, (c) the bulk job end to end on a
 * local MiniCluster on 1 slot and (e) on 2, (d) LangChain4j's AllMiniLmL6V2EmbeddingModel (ONNX Runtime) on the same
 * texts.
 */
public final class RuntimeBench {

    private RuntimeBench() {}

    public static List<BenchRow> run(Path input, int rows, int fixedBatch, PrintStream out) throws Exception {
        List<GenericRecord> records = ParquetRows.head(input, rows);
        List<String> texts =
                records.stream().map(r -> String.valueOf(r.get("text"))).toList();
        List<EmbeddingInput> inputs =
                texts.stream().map(EmbeddingInput::document).toList();
        List<BenchRow> table = new ArrayList<>();
        ModelOptions defaults = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        out.printf(
                "Benchmark on the first %d rows of %s (%d cores)%n",
                texts.size(), input, Runtime.getRuntime().availableProcessors());

        try (InProcessEmbeddingModel tokenBudget = InProcessEmbeddingModel.open(defaults);
                InProcessEmbeddingModel fixed = InProcessEmbeddingModel.open(
                        defaults.withBatching(BatchPlanner.Strategy.FIXED_SIZE, Integer.MAX_VALUE, fixedBatch))) {
            tokenBudget.embed(inputs.subList(0, Math.min(100, inputs.size()))); // warm-up
            table.add(time("(a) runtime, token-budget batches", tokenBudget, inputs, out));
            table.add(time("(b) runtime, fixed " + fixedBatch + "-row batches in input order", fixed, inputs, out));
            // Warmed up as (a) is: a first job on 100 documents compiles Flink's, Parquet's and the chunker's code
            // paths (on 2 cores the JIT otherwise takes ~4.6 s of CPU from the model during the timed job), as on a
            // TaskManager that has run a job before.
            bulkJob(
                    records.subList(0, Math.min(100, records.size())),
                    "bulk job warm-up (100 documents, not timed)",
                    c -> c,
                    out);
            table.add(bulkJob(records, "(c) bulk job end to end (1 slot, local MiniCluster)", c -> c, out));
            // The same job on 2 slots of these cores: each slot's model gets cores / slots PyTorch threads.
            table.add(bulkJob(
                    records,
                    "(e) bulk job end to end (2 slots, local MiniCluster)",
                    c -> c.with(JobOptions.JOB_PARALLELISM, "2"),
                    out));
        }
        table.add(langChain4j(texts, out));
        return table;
    }

    private static BenchRow time(
            String name, InProcessEmbeddingModel model, List<EmbeddingInput> inputs, PrintStream out) {
        long start = System.nanoTime();
        EmbeddingResult r = model.embed(inputs);
        double seconds = (System.nanoTime() - start) / 1e9;
        BenchRow row = new BenchRow(
                name, inputs.size(), r.stats().realTokens(), seconds, r.stats().paddingRatio());
        out.printf("%s: %.1f s%n", name, seconds);
        return row;
    }

    /** The bulk job on a local MiniCluster; the model is already loaded in this JVM, as in a long-running TM. */
    static BenchRow bulkJob(
            List<GenericRecord> records,
            String label,
            java.util.function.UnaryOperator<JobConfig> more,
            PrintStream out)
            throws Exception {
        Path dir = Files.createTempDirectory("flink-embed-bench");
        Path input = dir.resolve("input.parquet");
        ParquetRows.write(input, records);
        JobConfig config = more.apply(JobConfig.defaults()
                .with(JobOptions.SOURCE_PATH, input.toString())
                .with(JobOptions.SINK_PATH, dir.resolve("out").toString())
                .with(JobOptions.JOB_PROGRESS_INTERVAL, "0"));
        BulkJob.Plan plan = BulkJob.plan(config);
        StreamExecutionEnvironment env = dev.flinkembed.jobs.cli.Environments.local(plan.parallelism());
        long start = System.nanoTime();
        org.apache.flink.api.common.JobExecutionResult result = BulkJob.run(env, plan, out);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<GenericRecord> vectors = ParquetRows.readAll(dir.resolve("out").resolve("vectors"));
        long tokens =
                vectors.stream().mapToLong(v -> (Integer) v.get("token_count")).sum();
        out.printf(
                "%s: %.1f s (the job itself, without starting the MiniCluster: %.1f s), %d chunks%n",
                label, seconds, result.getNetRuntime() / 1000.0, vectors.size());
        return new BenchRow(label, vectors.size(), tokens, seconds, Double.NaN);
    }

    private static BenchRow langChain4j(List<String> texts, PrintStream out) {
        AllMiniLmL6V2EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();
        try (InProcessEmbeddingModel counter =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            long tokens = texts.stream()
                    .mapToLong(t -> counter.tokenizer().encode(t).length())
                    .sum();
            model.embed(texts.get(0));
            long start = System.nanoTime();
            model.embedAll(texts.stream().map(TextSegment::from).toList());
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("(d) LangChain4j: %.1f s%n", seconds);
            return new BenchRow(
                    "(d) LangChain4j AllMiniLmL6V2EmbeddingModel.embedAll (ONNX Runtime)",
                    texts.size(),
                    tokens,
                    seconds,
                    Double.NaN);
        }
    }
}
