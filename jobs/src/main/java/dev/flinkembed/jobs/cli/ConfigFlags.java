package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * How every command that runs a model is configured (bulk, stream, reindex, golden, embed, serve): a YAML file, then
 * --set, then the command's own flags; --model is model.name. One system, one reference (docs/configuration.md).
 */
final class ConfigFlags {

    @Option(names = "--config", description = "YAML configuration (see conf/*.yaml and docs/configuration.md).")
    Path config;

    @Option(
            names = "--set",
            description = "Override a configuration key: --set batch.token-budget=4096",
            paramLabel = "KEY=VALUE")
    List<String> overrides = new ArrayList<>();

    @Option(
            names = "--model",
            description = "builtin:all-minilm-l6-v2 (default), builtin:bge-small-en-v1.5, builtin:e5-small-v2 or a "
                    + "Hugging Face model folder (model.name).")
    String model;

    /** The YAML file, then --set, then --model (explicit flags win). */
    JobConfig load() {
        return JobConfig.load(config, overrides).with(JobOptions.MODEL_NAME, model);
    }
}
