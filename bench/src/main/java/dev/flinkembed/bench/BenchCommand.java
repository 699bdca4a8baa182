package dev.flinkembed.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/flink-embed bench}: the benchmarks, a module of their own so that the product (the job jar and
 * {@code jobs/target/lib}) carries nothing only they use (LangChain4j's embeddings with ONNX Runtime).
 */
@Command(
        name = "flink-embed bench",
        mixinStandardHelpOptions = true,
        description = {
            "Benchmark the built-in model in one JVM, side by side: (a) runtime with token-budget "
                    + "batching, (b) fixed-size batches in input order, (c) the bulk job end to end on 1 slot and (e) on 2, (d) "
                    + "LangChain4j's AllMiniLmL6V2EmbeddingModel; and this machine's fp32 GEMM ceiling. Prints a Markdown "
                    + "table (ratios against (d), shares of the ceiling)."
        })
public final class BenchCommand implements Callable<Integer> {

    @Option(
            names = "--input",
            defaultValue = "../shared/data/debian-descriptions.parquet",
            description = "Parquet corpus with id and text columns (default: ${DEFAULT-VALUE}).")
    Path input;

    @Option(names = "--rows", defaultValue = "2000", description = "First N rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(
            names = "--suite",
            defaultValue = "minilm",
            description = "minilm (default): the built-in model, (a)-(d); qwen3-0.6b: a Qwen3-Embedding-0.6B-shaped "
                    + "model with random weights, 1 and 2 slots, fp16 and int8, memory; int8: model.precision=int8 against fp32 "
                    + "and LangChain4j's fp32 and int8 models, GEMMs and the machine's peaks, and with --sts the quality "
                    + "table; rerank: a BERT cross-encoder (ms-marco-MiniLM-L-6-v2's shape) in-process vs ONNX Runtime "
                    + "(this JVM and the Python recipe), pairs/s, then two-stage search latency on pgvector; remote: the bulk job in-process against the "
                    + "remote backend talking to serve in the same JVM, then to an instant stub server; sql: Flink SQL with the flink-embed provider against the bulk job and against flink-model-openai; stores: "
                    + "the bulk job into Elasticsearch vs pgvector vs Parquet (model: the instant stub), then kNN "
                    + "latency and recall@10 of Elasticsearch's HNSW (float, int8) against exact search; big-document: one "
                    + "--document-mb MB document through the bulk job against the instant stub, peak memory; commands: whole "
                    + "commands, process start included — flink-embed embed vs LangChain4j vs the Python ONNX Runtime "
                    + "recipe (made in bench/target/python-venv with pip) — over the same JSON Lines, paired rounds; scale: "
                    + "generated corpora of --sizes documents on a standalone cluster through the instant stub: bulk → "
                    + "Parquet and → pgvector, reindex, a Kafka backlog through the stream job; time, peak memory per JVM "
                    + "and Flink's busy time per stage; index-scan: reindex's index scan alone on a PostgreSQL server, --rows "
                    + "documents, the previous cursor against this build's parts; pg-load: one pgvector writer alone "
                    + "loading --rows new rows into a PostgreSQL server, batched upserts against COPY binary.")
    String suite;

    @Option(
            names = "--document-mb",
            defaultValue = "50",
            description = "Size of the document of --suite big-document " + "(default: ${DEFAULT-VALUE}).")
    int documentMb;

    @Option(
            names = "--tokenizer",
            defaultValue = "model-runtime/src/test/resources/fixtures/qwen3-embedding-tiny/tokenizer.json",
            description = "Qwen3 tokenizer.json for --suite qwen3-0.6b (default: ${DEFAULT-VALUE}).")
    Path tokenizer;

    @Option(
            names = "--rounds",
            defaultValue = "3",
            description = "Paired rounds of --suite commands (default: " + "${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--precision",
            defaultValue = "fp32",
            description = "--suite commands: int8 adds each command in int8 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(
            names = "--sts",
            description = "--suite int8: the STS Benchmark's sts-test.csv, for the quality table (see docs/int8.md).")
    Path sts;

    @Option(
            names = "--qwen3",
            defaultValue = "../shared/fixtures/qwen3-embedding-tiny",
            description = "--suite int8: a Qwen3-Embedding folder whose int8 vectors are compared with its fp32 ones "
                    + "(default: ${DEFAULT-VALUE}).")
    Path qwen3;

    @Option(
            names = "--fixed-batch",
            defaultValue = "32",
            description = "Rows per batch in (b) (default: ${DEFAULT-VALUE}).")
    int fixedBatch;

    @Option(
            names = "--sizes",
            defaultValue = "20000,1000000",
            split = ",",
            description = "--suite scale: corpus sizes, each on a fresh cluster; memory at the last is compared with "
                    + "the first (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(
            names = "--rows-per-file",
            defaultValue = "20000",
            description = "--suite scale: documents per generated Parquet file (default: ${DEFAULT-VALUE}).")
    int rowsPerFile;

    @Option(
            names = "--parallelism",
            defaultValue = "2",
            description =
                    "--suite scale: slots of the TaskManager and parallelism of each job (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--skip",
            split = ",",
            description =
                    "--suite scale: parts to leave out: parquet (bulk → Parquet), pgvector (bulk → pgvector and the "
                            + "reindex runs), stream (needs parquet).")
    List<String> skip = List.of();

    @Option(
            names = "--in-process-docs",
            defaultValue = "0",
            description = "--suite scale: also the in-process built-in model over this many documents (default: "
                    + "${DEFAULT-VALUE}: not run).")
    int inProcessDocs;

    @Option(
            names = "--work",
            defaultValue = "bench/target/scale",
            description = "--suite scale: where the generated corpora (kept for the next run) and the runs' outputs go "
                    + "(default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(
            names = "--postgres",
            defaultValue = "pglite",
            description =
                    "--suite scale: the pgvector runs' database: pglite (default) or server (Debian's PostgreSQL 15 "
                            + "with pgvector built into it, see docs/scale.md).")
    String postgres;

    @Option(
            names = "--pg-index",
            defaultValue = "hnsw",
            description = "--suite scale: pgvector.index of the bulk load into pgvector: hnsw (default) or none.")
    String pgIndex;

    @Option(
            names = "--compare-build",
            description =
                    "--suite scale: another build's jobs/target folder (a copy of it): the reindex runs also on a "
                            + "cluster of that build, interleaved with this one's, for before/after in one run.")
    Path compareBuild;

    @Option(
            names = "--unchained",
            description = "--suite scale: every operator a task of its own (Flink's operator chaining off), so the "
                    + "busy time of each stage is Flink's own measure of it (slower: records cross task boundaries).")
    boolean unchained;

    @Override
    public Integer call() throws Exception {
        if (!java.nio.file.Files.isRegularFile(input)) {
            throw new IllegalArgumentException("--input: " + input + " does not exist");
        }
        if (suite.equals("qwen3-0.6b")) {
            if (!java.nio.file.Files.isRegularFile(tokenizer)) {
                throw new IllegalArgumentException("--tokenizer: " + tokenizer + " does not exist");
            }
            Qwen3ShapeBench.run(input, rows, tokenizer, System.err).forEach(System.out::println);
            return 0;
        }
        if (suite.equals("remote")) {
            var table = RemoteBench.run(input, rows, System.err);
            double baseline = table.get(0).tokensPerSecond();
            System.out.println("| run | chunks | tokens | seconds | tokens/s | chunks/s | padding | vs in-process |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            table.forEach(r -> System.out.println(r.markdown(baseline)));
            return 0;
        }
        if (suite.equals("sql")) {
            var table = SqlBench.run(input, rows, System.err);
            double baseline = table.get(0).tokensPerSecond();
            System.out.println("| run | chunks | tokens | seconds | tokens/s | chunks/s | padding | vs bulk job |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            table.forEach(r -> System.out.println(r.markdown(baseline)));
            return 0;
        }
        if (suite.equals("stores")) {
            StoresBench.run(input, rows, System.err, System.out);
            return 0;
        }
        if (suite.equals("commands")) {
            Path home = Path.of(System.getProperty("flink-embed.home", "."));
            dev.flinkembed.bench.commands.CommandsBench.run(
                    home, input, rows, rounds, "int8".equals(precision), System.err, System.out);
            return 0;
        }
        if (suite.equals("int8")) {
            dev.flinkembed.bench.int8.Int8Bench.run(input, rows, rounds, sts, qwen3, System.err, System.out);
            return 0;
        }
        if (suite.equals("rerank")) {
            Path home = Path.of(System.getProperty("flink-embed.home", "."));
            dev.flinkembed.bench.rerank.RerankBench.run(home, input, rows, rounds, System.err, System.out);
            return 0;
        }
        if (suite.equals("scale")) {
            java.nio.file.Files.createDirectories(work);
            dev.flinkembed.bench.scale.ScaleBench.run(
                    new dev.flinkembed.bench.scale.ScaleBench.Options(
                            input,
                            sizes,
                            rowsPerFile,
                            parallelism,
                            !skip.contains("pgvector"),
                            !skip.contains("stream"),
                            inProcessDocs,
                            work.toAbsolutePath(),
                            42,
                            unchained,
                            postgres.equals("server"),
                            !skip.contains("parquet"),
                            pgIndex,
                            compareBuild == null ? null : compareBuild.toAbsolutePath()),
                    System.err,
                    System.out);
            return 0;
        }
        if (suite.equals("index-scan")) {
            dev.flinkembed.bench.scale.IndexScanBench.run(rows, rounds, System.err, System.out);
            return 0;
        }
        if (suite.equals("pg-load")) {
            dev.flinkembed.bench.scale.PgLoadBench.run(rows, rounds, System.err, System.out);
            return 0;
        }
        if (suite.equals("big-document")) {
            BigDocumentBench.run(input, documentMb, System.err, System.out);
            return 0;
        }
        if (!suite.equals("minilm")) {
            throw new IllegalArgumentException(
                    "--suite '" + suite
                            + "' is not one of: minilm, int8, rerank, qwen3-0.6b, remote, sql, stores, big-document, commands, scale");
        }
        var table = RuntimeBench.run(input, rows, fixedBatch, System.err);
        double baseline = table.stream()
                .filter(r -> r.name().startsWith("(d)"))
                .findFirst()
                .orElseThrow()
                .tokensPerSecond();
        // The ceiling: fp32 GEMM in this run at MiniLM's MLP shape, over MiniLM's FLOP per token at this corpus's mean
        // text length (6 layers, hidden 384, MLP 1536).
        double gemm = GemmCeiling.gflops(1024, 384, 1536);
        BenchRow a = table.get(0);
        double flops = GemmCeiling.bertFlopsPerToken(6, 384, 1536, (double) a.tokens() / a.texts());
        double ceiling = gemm * 1e9 / flops;
        System.out.printf(
                "fp32 GEMM in this run: %.0f GFLOP/s ([1024×384]·[384×1536], best of 3); all-MiniLM-L6-v2 "
                        + "needs %.1f MFLOP per token here → ceiling %.0f tokens/s%n%n",
                gemm, flops / 1e6, ceiling);
        System.out.println("| run | texts | tokens | seconds | tokens/s | texts/s | padding | vs (d) | of ceiling |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        table.forEach(r -> System.out.println(r.markdown(baseline, ceiling)));
        return 0;
    }

    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(new picocli.CommandLine(new BenchCommand()).execute(args));
    }
}
