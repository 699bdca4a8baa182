package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.bench.RuntimeBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the built-in model in one JVM, side by side: (a) runtime with token-budget "
                + "batching, (b) fixed-size batches in input order, (c) the bulk job end to end, (d) LangChain4j's "
                + "AllMiniLmL6V2EmbeddingModel. Prints a Markdown table (ratios against (d))."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--input", defaultValue = "../shared/data/debian-descriptions.parquet",
            description = "Parquet corpus with id and text columns (default: ${DEFAULT-VALUE}).")
    Path input;

    @Option(names = "--rows", defaultValue = "2000", description = "First N rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--fixed-batch", defaultValue = "32", description = "Rows per batch in (b) (default: ${DEFAULT-VALUE}).")
    int fixedBatch;

    @Override
    public Integer call() throws Exception {
        if (!java.nio.file.Files.isRegularFile(input)) {
            throw new IllegalArgumentException("--input: " + input + " does not exist");
        }
        var table = RuntimeBench.run(input, rows, fixedBatch, System.err);
        double baseline = table.get(table.size() - 1).tokensPerSecond();
        System.out.println("| run | texts | tokens | seconds | tokens/s | texts/s | padding | vs (d) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        table.forEach(r -> System.out.println(r.markdown(baseline)));
        return 0;
    }
}
