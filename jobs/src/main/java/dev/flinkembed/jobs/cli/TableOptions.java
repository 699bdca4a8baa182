package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.VectorStore;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of commands that query a vector store directly (search, evaluate, versions): which store (the same
 * keys as the jobs', so --set works for any of them) and the model queries are embedded with (--model, --instruction,
 * --set model.precision=int8 for a collection embedded in int8).
 */
final class TableOptions {

    @Mixin
    StoreFlags store = new StoreFlags();

    @Option(names = "--sink", description = "The vector store (sink.type; default pgvector).")
    String type;

    @Option(
            names = "--set",
            description = "Any other key of the store, e.g. --set pgvector.user=reader",
            paramLabel = "KEY=VALUE")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--model", description = "Override the model recorded in the store.")
    String model;

    @Option(names = "--instruction", description = "Query instruction of instruction-tuned models (Qwen3-Embedding).")
    String instruction;

    /** The store as configured; its keys are checked here (before anything connects). */
    VectorStore store() {
        JobConfig c = store.apply(JobConfig.load(null, overrides)).with(JobOptions.SINK_TYPE, type);
        return Settings.storeForReading(c);
    }

    /** The --set keys (the reranker's among them). */
    JobConfig config() {
        return JobConfig.load(null, overrides);
    }

    /** The model for queries of the store: --model, else the live version's, else the rows' lineage. */
    TableModels.Resolved model(StoreSession s, VectorStore store) {
        return TableModels.forStore(
                s, store.name(), model, instruction, Settings.precision(JobConfig.load(null, overrides)));
    }
}
