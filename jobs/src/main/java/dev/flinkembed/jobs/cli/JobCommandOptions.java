package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every job command shares (bulk, stream, reindex): a YAML file, the model, slots, --set overrides. */
final class JobCommandOptions {

    @Option(names = "--config", description = "YAML job configuration (see conf/*.yaml).")
    Path config;

    @Option(
            names = "--model",
            description =
                    "builtin:all-minilm-l6-v2 (default), builtin:bge-small-en-v1.5, builtin:e5-small-v2 or a Hugging Face model folder.")
    String model;

    @Option(names = "--parallelism", description = "Parallel slots (job.parallelism).")
    Integer parallelism;

    @Option(
            names = "--set",
            description = "Override a configuration key: --set batch.token-budget=4096",
            paramLabel = "KEY=VALUE")
    List<String> overrides = new ArrayList<>();

    /** The YAML file, then --set, then the explicit options above (explicit options win). */
    JobConfig load() {
        return JobConfig.load(config, overrides)
                .with(JobOptions.MODEL_NAME, model)
                .with(JobOptions.JOB_PARALLELISM, parallelism == null ? null : parallelism.toString());
    }
}
