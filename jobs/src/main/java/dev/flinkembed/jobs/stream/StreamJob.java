package dev.flinkembed.jobs.stream;

import dev.flinkembed.jobs.bulk.OutputFolders;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.KafkaClientProperties;
import dev.flinkembed.jobs.config.KafkaPreflight;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.pipeline.DeadLetterOutput;
import dev.flinkembed.jobs.pipeline.EmbeddingStage;
import dev.flinkembed.jobs.pipeline.UnboundedRun;
import dev.flinkembed.operators.changes.SkipUnchangedDocuments;
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
import dev.flinkembed.operators.sinks.ParquetVectorSink;
import dev.flinkembed.operators.sinks.kafka.KafkaSinkOptions;
import dev.flinkembed.operators.sinks.kafka.KafkaSinks;
import dev.flinkembed.operators.sources.KafkaDocumentSource;
import dev.flinkembed.operators.sources.KafkaSourceOptions;
import dev.flinkembed.operators.sources.RouteParsedRecords;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.VectorStores;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The streaming job: Kafka document changes → parse (malformed messages to the dead-letter topic) → key by document
 * id → skip changes that change nothing → chunk (deletes become deletion markers) → async embed, in order → pgvector table and/or vectors
 * topic. Partitioning by id and the ordered async operator keep each document's changes in order end to end, which
 * the sinks rely on. With checkpointing (the default) the pgvector writes are flushed and the Kafka transactions
 * committed on each checkpoint; a restore replays from the last one: no chunk lost, none twice in the table, none
 * twice in the topics for read_committed readers.
 */
public final class StreamJob {

    /** Everything the job needs, validated (and the brokers and database checked) before anything runs. */
    public record Plan(
            JobConfig config,
            String name,
            ModelOptions model,
            ChunkingOptions chunking,
            EmbeddingOptions embedding,
            KafkaSourceOptions source,
            KafkaSinkOptions deadLetters,
            KafkaSinkOptions vectors,
            VectorStore store,
            int parallelism,
            long checkpointInterval,
            String parquetOutput,
            boolean hourlyPartitions,
            boolean skipUnchanged) {}

    private StreamJob() {}

    public static Plan plan(JobConfig c) {
        String sink = c.isSet(JobOptions.SINK_TYPE) ? c.get(JobOptions.SINK_TYPE) : JobOptions.DEFAULT_STORE;
        String parquetOutput = null;
        if (sink.equals("parquet")) {
            parquetOutput =
                    c.require(JobOptions.SINK_PATH, "pass --output DIR (the change log goes under DIR/vectors/)");
            // a change log: a later job (or the same after a restore) appends to it
            OutputFolders.create(new Path(Locations.of(parquetOutput), "vectors"));
            if (c.get(JobOptions.JOB_CHECKPOINT_INTERVAL) == 0) {
                throw ConfigException.badValue(
                        "job.checkpoint-interval",
                        "0",
                        "a positive interval with sink.type="
                                + "parquet: Parquet files are committed on checkpoints, none would ever become visible");
            }
        }
        EmbeddingOptions embedding = Settings.embedding(c);
        ChunkingOptions chunking = Settings.chunking(c);
        KafkaSourceOptions source = Settings.kafkaSource(c);
        String vectorsTopic = c.get(JobOptions.KAFKA_VECTORS_TOPIC);
        if (sink.equals("kafka") && vectorsTopic == null) {
            throw new ConfigException("configuration key 'kafka.vectors-topic': required with sink.type=kafka");
        }
        String deadLetterTopic = Settings.deadLetterTopic(c);
        if (deadLetterTopic.equals(source.topic()) || source.topic().equals(vectorsTopic)) {
            throw new ConfigException("configuration key 'kafka.topic': the input topic '" + source.topic()
                    + "' cannot also be an output topic");
        }
        KafkaSinkOptions deadLetters = Settings.kafkaSink(c, deadLetterTopic, KafkaClientProperties.Role.DEAD_LETTERS);
        KafkaSinkOptions vectors =
                vectorsTopic == null ? null : Settings.kafkaSink(c, vectorsTopic, KafkaClientProperties.Role.VECTORS);
        VectorStore store = VectorStores.exists(sink) ? Settings.store(c, sink) : null;
        // Every key is valid: now talk to the brokers and the database, still before any data moves.
        KafkaPreflight.Input input = new KafkaPreflight.Input(source.topic(), source.groupId(), source.properties());
        List<KafkaPreflight.Output> outputs =
                new ArrayList<>(List.of(output(deadLetters, KafkaClientProperties.Role.DEAD_LETTERS)));
        if (vectors != null) {
            outputs.add(output(vectors, KafkaClientProperties.Role.VECTORS));
        }
        long timeout = c.get(JobOptions.KAFKA_CHECK_TIMEOUT);
        KafkaPreflight.check(source.bootstrapServers(), input, outputs, timeout);
        if (store != null) {
            store.prepare(); // creates the table when missing, after the read-only checks passed
        }
        KafkaPreflight.createMissing(source.bootstrapServers(), input, outputs, timeout);
        String name = c.isSet(JobOptions.JOB_NAME) ? c.get(JobOptions.JOB_NAME) : "flink-embed stream";
        return new Plan(
                c,
                name,
                embedding.model(),
                chunking,
                embedding,
                source,
                deadLetters,
                vectors,
                store,
                c.get(JobOptions.JOB_PARALLELISM),
                c.get(JobOptions.JOB_CHECKPOINT_INTERVAL),
                parquetOutput,
                c.get(JobOptions.SINK_PARTITIONING).equals("hour"),
                c.get(JobOptions.KAFKA_SKIP_UNCHANGED));
    }

    private static KafkaPreflight.Output output(KafkaSinkOptions o, KafkaClientProperties.Role role) {
        return new KafkaPreflight.Output(
                o.topic(), o.properties(), o.exactlyOnce() ? o.transactionalIdPrefix() : null, role.description());
    }

    /**
     * Every stateful operator has a fixed uid, so a savepoint taken by one version of the jar restores into the next
     * ({@code flink stop --savepointPath}, then {@code flink run -s}) even when the operators between them change.
     */
    public static void build(StreamExecutionEnvironment env, Plan plan) {
        env.setParallelism(plan.parallelism);
        UnboundedRun.configure(env, plan.config);
        if (plan.checkpointInterval > 0) {
            env.enableCheckpointing(plan.checkpointInterval, CheckpointingMode.EXACTLY_ONCE);
        }
        SingleOutputStreamOperator<Document> documents = env.fromSource(
                        KafkaDocumentSource.create(plan.source),
                        WatermarkStrategy.noWatermarks(),
                        "kafka " + plan.source.topic())
                .uid("kafka-source")
                .process(new RouteParsedRecords())
                .name("parse documents")
                .uid("parse");
        // All changes of a document go to one subtask, in order; the ordered async operator keeps that order.
        DataStream<Document> changes = plan.skipUnchanged
                ? documents
                        .keyBy(d -> d.id)
                        .process(new SkipUnchangedDocuments())
                        .name("skip unchanged documents")
                        .uid("skip-unchanged")
                : documents.partitionCustom((String id, int n) -> Math.floorMod(id.hashCode(), n), d -> d.id);
        SingleOutputStreamOperator<Chunk> chunks = changes.process(
                        new ChunkingFunction(plan.embedding, plan.chunking, ChunkingFunction.Deletes.PASS_TO_SINK))
                .name("chunk")
                .uid("chunk");
        // The ordered async operator keeps each document's changes in order.
        EmbeddingStage embedded = EmbeddingStage.apply(chunks, plan.embedding, true, plan.parallelism);
        DataStream<EmbeddedChunk> counted = embedded.vectors();
        DataStream<DeadLetter> deadLetters = documents
                .getSideOutput(DeadLetters.TAG)
                .union(chunks.getSideOutput(DeadLetters.TAG), embedded.refused());
        if (plan.store != null) { // uid "pgvector-sink" as before: savepoints of earlier versions restore
            deadLetters = deadLetters.union(plan.store.write(counted, plan.store.type() + "-sink", null));
        }
        if (plan.parquetOutput != null) {
            counted.sinkTo(ParquetVectorSink.createChangelog(
                            new Path(Locations.of(plan.parquetOutput), "vectors").toString(),
                            plan.embedding,
                            plan.hourlyPartitions))
                    .name("write parquet change log")
                    .uid("parquet-sink");
        }
        if (plan.vectors != null) {
            counted.sinkTo(KafkaSinks.vectors(plan.vectors))
                    .name("write kafka " + plan.vectors.topic())
                    .uid("kafka-vectors-sink");
        }
        DeadLetterOutput.toKafka(deadLetters, plan.deadLetters);
    }

    /** Builds and submits the job; prints what it reads and writes. */
    public static JobClient start(StreamExecutionEnvironment env, Plan plan, PrintStream out) throws Exception {
        build(env, plan);
        JobClient client = env.executeAsync(plan.name);
        out.printf(
                "Submitted %s (%s): kafka %s/%s → %s%s; dead letters → %s; checkpoints %s%n",
                plan.name,
                client.getJobID(),
                plan.source.bootstrapServers(),
                plan.source.topic(),
                plan.store != null
                        ? plan.store.toString()
                        : plan.parquetOutput != null
                                ? "Parquet change log under " + plan.parquetOutput + "/vectors"
                                : "",
                plan.vectors == null
                        ? ""
                        : (plan.store == null && plan.parquetOutput == null ? "" : " and ") + "topic "
                                + plan.vectors.topic(),
                plan.deadLetters.topic(),
                plan.checkpointInterval > 0
                        ? "every " + plan.checkpointInterval + " ms (exactly-once)"
                        : "off (at-least-once)");
        return client;
    }
}
