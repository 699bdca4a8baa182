package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.progress.ProgressPrinter;
import dev.flinkembed.jobs.stream.StreamJob;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "stream",
        mixinStandardHelpOptions = true,
        description = {
            "Keep a pgvector table (and/or a vectors topic) in step with a Kafka topic of document changes: "
                    + "JSON {\"id\",\"text\",\"title\"?,\"metadata\"?,\"op\":\"upsert\"|\"delete\"} keyed by id, or "
                    + "Debezium change events of a table (--set source.format=debezium-json).",
            "Runs until cancelled (Ctrl-C). Malformed messages go to the dead-letter topic with the reason in a "
                    + "header. Runs on a local MiniCluster, or on a cluster with `flink run <jar> stream ...`."
        })
final class StreamCommand implements Callable<Integer> {

    @Mixin
    JobCommandOptions job = new JobCommandOptions();

    @Mixin
    StoreFlags store = new StoreFlags();

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (kafka.bootstrap-servers).")
    String bootstrap;

    @Option(names = "--topic", description = "Topic of document changes (kafka.topic).")
    String topic;

    @Option(
            names = "--kafka-properties",
            paramLabel = "FILE",
            description = "A Kafka client.properties file for every Kafka client of the job (kafka.properties-file): "
                    + "security.protocol, sasl.*, ssl.*; secrets as $${env:NAME} or $${file:path:key}.")
    String kafkaProperties;

    @Option(
            names = "--sink",
            description = "Where vectors go: pgvector (default), elasticsearch, kafka or parquet (sink.type).")
    String sink;

    @Option(names = "--output", description = "Directory of the Parquet change log, with --sink parquet (sink.path).")
    String output;

    @Override
    public Integer call() throws Exception {
        JobConfig c = store.apply(job.load())
                .with(JobOptions.KAFKA_BOOTSTRAP, bootstrap)
                .with(JobOptions.KAFKA_TOPIC, topic)
                .with(JobOptions.KAFKA_PROPERTIES_FILE, kafkaProperties)
                .with(JobOptions.SINK_TYPE, sink)
                .with(JobOptions.SINK_PATH, output);
        StreamJob.Plan plan = StreamJob.plan(c);
        StreamExecutionEnvironment env = Environments.local(plan.parallelism());
        JobClient client = StreamJob.start(env, plan, System.out);
        if (Environments.detached(env)) {
            return 0; // flink run -d: the job runs on; follow it in Flink's UI or with `flink list`
        }
        // Ctrl-C cancels the job cleanly: open Kafka transactions are aborted, the table keeps what was committed.
        Thread cancel = new Thread(
                () -> {
                    try {
                        client.cancel().get();
                    } catch (Exception ignored) {
                        // the JVM is going down anyway
                    }
                },
                "cancel-on-exit");
        Runtime.getRuntime().addShutdownHook(cancel);
        long interval = c.get(JobOptions.JOB_PROGRESS_INTERVAL);
        try (ProgressPrinter progress = new ProgressPrinter(client, -1, System.out, interval)) {
            progress.printSummary(client.getJobExecutionResult().get());
        }
        Runtime.getRuntime().removeShutdownHook(cancel);
        return 0;
    }
}
