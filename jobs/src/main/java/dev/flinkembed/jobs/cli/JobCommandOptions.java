package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every job command shares (bulk, stream, reindex): the configuration flags and the slots. */
final class JobCommandOptions {

    @Mixin
    ConfigFlags config = new ConfigFlags();

    @Option(names = "--parallelism", description = "Parallel slots (job.parallelism).")
    Integer parallelism;

    /** The YAML file, then --set, then the explicit options (explicit options win). */
    JobConfig load() {
        return config.load().with(JobOptions.JOB_PARALLELISM, parallelism == null ? null : parallelism.toString());
    }
}
