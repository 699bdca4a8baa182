package dev.flinkembed.jobs.reindex;

import dev.flinkembed.jobs.bulk.BulkJob;
import dev.flinkembed.jobs.bulk.InputFiles;
import dev.flinkembed.jobs.bulk.OutputFolders;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.evaluate.EvaluationGate;
import dev.flinkembed.jobs.pipeline.BoundedRun;
import dev.flinkembed.jobs.pipeline.DeadLetterOutput;
import dev.flinkembed.jobs.pipeline.EmbeddingStage;
import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.files.Locations;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.records.IndexedChunk;
import dev.flinkembed.operators.reindex.ChunkDiffFunction;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.WriteFence;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The bounded reindex job: the corpus (Parquet or JSON Lines) and the index's rows (doc_id, chunk_index, chunk_count,
 * positions, content_hash, model_fingerprint: no text, no vectors) are two inputs joined by document id in BATCH
 * mode ({@link ChunkDiffFunction}); only chunks whose content or model changed reach the model, lineage-only changes
 * and deletions go straight to the table. As a dry run ({@code plan pass}) the same graph counts and writes nothing.
 */
public final class ReindexJob {

    /**
     * @param store  the collection as configured (its stable name: what readers query and what is locked)
     * @param target the physical collection this run reads and writes: the collection itself, the live version of a
     *               versioned one, or the version being built for a new model
     */
    public record Plan(
            JobConfig config,
            InputFiles input,
            Path output,
            EmbeddingOptions embedding,
            VectorStore store,
            VectorStore target,
            boolean fullSync,
            double maxDeleteFraction,
            long lockLeaseMillis,
            int parallelism,
            EvaluationGate gate,
            WriteFence fence) {

        public Plan withTarget(VectorStore physical, boolean deleteAbsent) {
            return new Plan(
                    config,
                    input,
                    output,
                    embedding,
                    store,
                    physical,
                    deleteAbsent,
                    maxDeleteFraction,
                    lockLeaseMillis,
                    parallelism,
                    gate,
                    fence);
        }

        /** The same plan, its writers fenced by the run's lock. */
        public Plan withFence(WriteFence lock) {
            return new Plan(
                    config,
                    input,
                    output,
                    embedding,
                    store,
                    target,
                    fullSync,
                    maxDeleteFraction,
                    lockLeaseMillis,
                    parallelism,
                    gate,
                    lock);
        }
    }

    private ReindexJob() {}

    /** Validates the configuration and the input before any data moves; the store is checked by the run. */
    public static Plan plan(JobConfig config, boolean dryRun) {
        String input = config.require(JobOptions.SOURCE_PATH, "pass --input PATH");
        InputFiles files = InputFiles.inspect(
                input,
                Settings.fileFormat(config),
                BulkJob.columns(config),
                config.get(JobOptions.SOURCE_ON_UNREADABLE_FILE));
        EmbeddingOptions embedding = Settings.embedding(config);
        VectorStore store = Settings.store(
                config,
                config.isSet(JobOptions.SINK_TYPE) ? config.get(JobOptions.SINK_TYPE) : JobOptions.DEFAULT_STORE);
        Path output = Locations.of(
                config.isSet(JobOptions.SINK_PATH)
                        ? config.get(JobOptions.SINK_PATH)
                        : BulkJob.DEFAULT_PGVECTOR_OUTPUT);
        return new Plan(
                config,
                files,
                output,
                embedding,
                store,
                store,
                config.get(JobOptions.REINDEX_MODE).equals("full-sync"),
                config.get(JobOptions.REINDEX_MAX_DELETE_FRACTION),
                config.get(JobOptions.REINDEX_LOCK_LEASE),
                config.get(JobOptions.JOB_PARALLELISM),
                EvaluationGate.of(config),
                null);
    }

    /** Adds the job to {@code env}; with {@code dryRun} it decides and counts but embeds and writes nothing. */
    public static void build(StreamExecutionEnvironment env, Plan plan, boolean dryRun) {
        if (!dryRun) { // only now, after every check: an empty dead-letter folder after a run means none
            OutputFolders.create(new Path(plan.output, "dead-letter"));
        }
        BoundedRun.configure(env, plan.config, plan.parallelism);
        int p = plan.parallelism;
        SingleOutputStreamOperator<Document> documents = plan.input.read(
                env,
                BulkJob.columns(plan.config),
                Settings.jsonFields(plan.config),
                plan.config.get(JobOptions.SOURCE_SPLIT_SIZE),
                p);
        DataStream<IndexedChunk> indexed = plan.target.readIndexed(env, p);
        // Parallelism fixed on every operator past the sources: see BulkJob (the adaptive batch scheduler would size
        // these stages by bytes, not by the model's work).
        SingleOutputStreamOperator<Chunk> toEmbed = documents
                .keyBy(d -> d.id)
                .connect(indexed.keyBy(r -> r.docId))
                .process(new ChunkDiffFunction(plan.embedding, Settings.chunking(plan.config), plan.fullSync))
                .setParallelism(p)
                .name("diff with the index");
        DataStream<EmbeddedChunk> tableWrites = toEmbed.getSideOutput(ChunkDiffFunction.TABLE_WRITES);
        DataStream<DeadLetter> rejected = documents.getSideOutput(DeadLetters.TAG);
        if (dryRun) {
            toEmbed.sinkTo(new DiscardingSink<>()).setParallelism(p).name("dry run: embed nothing");
            tableWrites.sinkTo(new DiscardingSink<>()).setParallelism(p).name("dry run: write nothing");
            rejected.sinkTo(new DiscardingSink<>()).name("dry run: no dead letters");
            return;
        }
        EmbeddingStage embedded = EmbeddingStage.apply(toEmbed, plan.embedding, true, p);
        DataStream<EmbeddedChunk> counted = embedded.vectors();
        DataStream<DeadLetter> refusedByStore =
                plan.target.write(counted.union(tableWrites), plan.target.type() + "-sink", plan.fence);
        DeadLetterOutput.toFiles(
                rejected.union(toEmbed.getSideOutput(DeadLetters.TAG), embedded.refused(), refusedByStore),
                new Path(plan.output, "dead-letter"));
    }
}
