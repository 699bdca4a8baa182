package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.golden.GoldenVectors;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "golden",
        mixinStandardHelpOptions = true,
        description = {
            "Write a model's vectors for a fixed set of probe texts (documents and queries) to a file. With "
                    + "--set model.golden=FILE, every job's model instances must reproduce them when they open (worst "
                    + "cosine >= 0.9999), or the job fails before any data moves: a wrong folder, another tokenizer, "
                    + "corrupted weights or a machine computing differently."
        })
final class GoldenCommand implements Callable<Integer> {

    @Mixin
    JobCommandOptions job = new JobCommandOptions();

    @Option(names = "--output", required = true, description = "Where the golden vectors go (JSON).")
    Path output;

    @Override
    public Integer call() throws Exception {
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelFolderCache.localize(Settings.model(job.load())))) {
            GoldenVectors golden = GoldenVectors.compute(model);
            golden.write(output);
            System.out.printf(
                    "Wrote %d golden vectors of %s (fingerprint %s, %d dimensions) to %s%n",
                    golden.probes().size(), golden.model(), golden.fingerprint(), golden.dimensions(), output);
        }
        return 0;
    }
}
