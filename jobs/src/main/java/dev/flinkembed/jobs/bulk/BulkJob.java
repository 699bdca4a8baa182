package dev.flinkembed.jobs.bulk;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.pipeline.BoundedRun;
import dev.flinkembed.jobs.pipeline.DeadLetterOutput;
import dev.flinkembed.jobs.pipeline.EmbeddingStage;
import dev.flinkembed.jobs.progress.ProgressPrinter;
import dev.flinkembed.operators.chunking.ChunkingFunction;
import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.files.Locations;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.reindex.ChunkDiffFunction;
import dev.flinkembed.operators.reindex.ReindexCounters;
import dev.flinkembed.operators.sinks.ParquetVectorSink;
import dev.flinkembed.operators.sources.ParquetColumns;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.VectorStoreFactory;
import dev.flinkembed.operators.store.VectorStores;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.PrintStream;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The bounded job: read documents (Parquet or JSON Lines) → parse (bad records to dead letters) → rebalance → chunk
 * with the model's tokenizer → async embed (one model instance per slot, micro-batched) → Parquet vectors under
 * {@code <output>/vectors/} or a pgvector table, dead letters as JSON Lines under {@code <output>/dead-letter/}.
 */
public final class BulkJob {

    /** Everything the job needs, validated on the client before anything runs. */
    public record Plan(
            JobConfig config,
            InputFiles input,
            Path output,
            ModelOptions model,
            ChunkingOptions chunking,
            EmbeddingOptions embedding,
            VectorStore store,
            int parallelism,
            PreviousOutput previous) {

        /** Vectors go to a vector store (otherwise Parquet files under output/vectors/). */
        public boolean toStore() {
            return store != null;
        }
    }

    /** Where dead letters (and nothing else) go when the vectors go to a vector store and no --output is given. */
    public static final String DEFAULT_PGVECTOR_OUTPUT = "flink-embed-out";

    private BulkJob() {}

    public static Plan plan(JobConfig config) {
        String input = config.require(JobOptions.SOURCE_PATH, "pass --input PATH");
        String sink = config.isSet(JobOptions.SINK_TYPE) ? config.get(JobOptions.SINK_TYPE) : "parquet";
        if (sink.equals("kafka")) {
            throw ConfigException.badValue(
                    "sink.type",
                    sink,
                    "for the bulk job: parquet or a vector store ("
                            + String.join(
                                    ", ",
                                    VectorStores.all().stream()
                                            .map(VectorStoreFactory::type)
                                            .toList()) + ")");
        }
        boolean toStore = !sink.equals("parquet");
        Path output = Locations.of(
                toStore && !config.isSet(JobOptions.SINK_PATH)
                        ? DEFAULT_PGVECTOR_OUTPUT
                        : config.require(JobOptions.SINK_PATH, "pass --output DIR"));
        ParquetColumns columns = columns(config);
        InputFiles files = InputFiles.inspect(
                input, Settings.fileFormat(config), columns, config.get(JobOptions.SOURCE_ON_UNREADABLE_FILE));
        if (!toStore) {
            OutputFolders.checkFree(new Path(output, "vectors"));
        }
        PreviousOutput previous = null;
        if (config.isSet(JobOptions.SINK_PREVIOUS_PATH)) {
            if (toStore) {
                throw ConfigException.badValue(
                        "sink.previous-path",
                        config.get(JobOptions.SINK_PREVIOUS_PATH),
                        "only with the Parquet sink (a vector store is brought up to date by `flink-embed reindex`)");
            }
            previous = PreviousOutput.inspect(config.get(JobOptions.SINK_PREVIOUS_PATH));
        }
        EmbeddingOptions embedding = Settings.embedding(config);
        ChunkingOptions chunking = Settings.chunking(config);
        VectorStore store = toStore ? Settings.store(config, sink) : null;
        if (store != null) {
            store.prepare();
        }
        // Everything is valid: only now touch the output. An empty dead-letter folder after a run means none.
        OutputFolders.create(new Path(output, "dead-letter"));
        return new Plan(
                config,
                files,
                output,
                embedding.model(),
                chunking,
                embedding,
                store,
                config.get(JobOptions.JOB_PARALLELISM),
                previous);
    }

    public static ParquetColumns columns(JobConfig c) {
        return new ParquetColumns(
                c.get(JobOptions.SOURCE_ID_COLUMN),
                c.get(JobOptions.SOURCE_TEXT_COLUMN),
                c.get(JobOptions.SOURCE_TITLE_COLUMN),
                c.get(JobOptions.SOURCE_METADATA_COLUMNS));
    }

    /** Adds the job's operators to {@code env}. */
    public static void build(StreamExecutionEnvironment env, Plan plan) {
        BoundedRun.configure(env, plan.config, plan.parallelism);
        SingleOutputStreamOperator<Document> documents = plan.input.read(
                env,
                columns(plan.config),
                Settings.jsonFields(plan.config),
                plan.config.get(JobOptions.SOURCE_SPLIT_SIZE),
                plan.parallelism);
        // Splits are uneven (a small file, the last row group): spread the documents over all slots before the
        // expensive part. A table keeps one
        // row set per document, so there every version of a document goes to one slot and stays in order.
        DataStream<Document> spread = plan.toStore()
                ? documents.partitionCustom((String id, int n) -> Math.floorMod(id.hashCode(), n), d -> d.id)
                : documents.rebalance();
        // The model stage gets exactly the slots asked for. Left to itself, Flink's adaptive batch scheduler sizes a
        // stage by its input bytes (16 MiB per task by default) and ran the whole model stage in one slot for any
        // corpus under a few hundred MB: --parallelism 2 on 2 cores was 1.4× slower than --parallelism 1 (measured).
        int p = plan.parallelism;
        SingleOutputStreamOperator<Chunk> chunks;
        DataStream<EmbeddedChunk> reused = null;
        if (plan.previous != null) {
            // Joined with the earlier output by document id (BATCH mode sorts both): unchanged chunks keep their
            // vectors.
            chunks = documents
                    .keyBy(d -> d.id)
                    .connect(plan.previous.read(env).keyBy(r -> r.docId))
                    .process(new ChunkDiffFunction(plan.embedding, plan.chunking, false, true))
                    .setParallelism(p)
                    .name("chunk and reuse previous vectors");
            reused = chunks.getSideOutput(ChunkDiffFunction.TABLE_WRITES);
        } else {
            chunks = spread.process(new ChunkingFunction(
                            plan.embedding,
                            plan.chunking,
                            plan.toStore()
                                    ? ChunkingFunction.Deletes.PASS_TO_SINK
                                    : ChunkingFunction.Deletes.DEAD_LETTER))
                    .setParallelism(p)
                    .name("chunk");
        }
        // A table keeps one row set per document: its changes stay in order. Files take chunks as they come.
        EmbeddingStage embedded = EmbeddingStage.apply(chunks, plan.embedding, plan.toStore(), p);
        DataStream<EmbeddedChunk> counted = embedded.vectors();
        DataStream<DeadLetter> refusedByStore = null;
        if (plan.toStore()) {
            refusedByStore = plan.store.write(counted, plan.store.type() + "-sink", null);
        } else {
            DataStream<EmbeddedChunk> all = reused == null ? counted : counted.union(reused);
            all.sinkTo(ParquetVectorSink.create(new Path(plan.output, "vectors").toString(), plan.embedding))
                    .setParallelism(p)
                    .name("write vectors");
        }

        DataStream<DeadLetter> deadLetters = documents
                .getSideOutput(DeadLetters.TAG)
                .union(chunks.getSideOutput(DeadLetters.TAG), embedded.refused());
        if (refusedByStore != null) {
            deadLetters = deadLetters.union(refusedByStore);
        }
        DeadLetterOutput.toFiles(deadLetters, new Path(plan.output, "dead-letter"));
    }

    /** Builds and runs the job, printing progress to {@code out}, and waits for it to finish. */
    public static JobExecutionResult run(StreamExecutionEnvironment env, Plan plan, PrintStream out) throws Exception {
        build(env, plan);
        String name =
                plan.config.isSet(JobOptions.JOB_NAME) ? plan.config.get(JobOptions.JOB_NAME) : "flink-embed bulk";
        JobClient client = env.executeAsync(name);
        out.printf(
                "Submitted %s (%s): %s → %s%n",
                name,
                client.getJobID(),
                plan.input.files().size() == 1
                        ? Locations.display(plan.input.files().get(0))
                        : plan.input.files().size() + " files",
                plan.toStore()
                        ? plan.store + ", dead letters under " + Locations.display(new Path(plan.output, "dead-letter"))
                        : Locations.display(plan.output));
        long interval = plan.config.get(JobOptions.JOB_PROGRESS_INTERVAL);
        try (ProgressPrinter progress = new ProgressPrinter(client, plan.input.documents(), out, interval)) {
            JobExecutionResult result = client.getJobExecutionResult().get();
            progress.printSummary(result);
            if (plan.previous != null) {
                Map<String, Object> acc = result.getAllAccumulatorResults();
                long reused = ProgressPrinter.count(acc, ReindexCounters.CHUNKS_UNCHANGED)
                        + ProgressPrinter.count(acc, ReindexCounters.LINEAGE_UPDATES);
                out.printf(
                        "Reused %d vectors from %s; embedded only new and changed chunks%n",
                        reused, plan.previous.dir());
            }
            return result;
        }
    }
}
