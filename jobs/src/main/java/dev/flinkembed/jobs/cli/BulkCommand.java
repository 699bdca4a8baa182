package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.bulk.BulkJob;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "bulk",
        mixinStandardHelpOptions = true,
        description = {
            "Embed a corpus (Parquet or JSON Lines) as a bounded Flink job: vectors as Parquet under "
                    + "OUTPUT/vectors/ or into a vector store (--sink pgvector --pg-url URL --table NAME, --sink elasticsearch --es-url URL "
                    + "--index NAME), dead letters "
                    + "as JSON Lines under OUTPUT/dead-letter/.",
            "Runs on a local MiniCluster, or on a cluster with `flink run <jar> bulk ...`."
        })
final class BulkCommand implements Callable<Integer> {

    @Mixin
    JobCommandOptions job = new JobCommandOptions();

    @Mixin
    StoreFlags store = new StoreFlags();

    @Option(names = "--input", description = "Input file or directory (source.path).")
    String input;

    @Option(
            names = "--on-unreadable-file",
            description =
                    "fail (default: stop before any data moves, naming the "
                            + "file) or skip (process the rest; one dead letter per file left out) (source.on-unreadable-file).")
    String onUnreadableFile;

    @Option(names = "--output", description = "Output directory (sink.path).")
    String output;

    @Option(
            names = "--sink",
            description = "Where vectors go: parquet (default) or a vector store: pgvector, elasticsearch (sink.type).")
    String sink;

    @Option(
            names = "--previous",
            description = "An earlier output directory: unchanged chunks keep its vectors, only "
                    + "the rest is embedded (sink.previous-path; Parquet sink).")
    String previous;

    @Override
    public Integer call() throws Exception {
        JobConfig c = store.apply(job.load())
                .with(JobOptions.SOURCE_PATH, input)
                .with(JobOptions.SOURCE_ON_UNREADABLE_FILE, onUnreadableFile)
                .with(JobOptions.SINK_PATH, output)
                .with(JobOptions.SINK_TYPE, sink)
                .with(JobOptions.SINK_PREVIOUS_PATH, previous);
        BulkJob.Plan plan = BulkJob.plan(c);
        BulkJob.run(Environments.local(plan.parallelism()), plan, System.out);
        return 0;
    }
}
