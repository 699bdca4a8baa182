package dev.flinkembed.bench;

import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.serve.EmbeddingServer;
import dev.flinkembed.serve.ServeOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code bench --suite remote}: the bulk job with the in-process model against the same job with the remote backend
 * talking to {@code serve} (built-in model) in the same JVM — what the HTTP/JSON path costs on the same CPU, and a
 * check that the operator keeps a server busy. One slot each, same documents, one run.
 */
public final class RemoteBench {

    /** ML_PREDICT's async requests in flight: Flink's default (10) and two higher settings; the best one counts. */
    static final List<Integer> ML_PREDICT_CONCURRENCY = List.of(10, 64, 256);

    private RemoteBench() {}

    public static List<BenchRow> run(Path input, int rows, PrintStream out) throws Exception {
        List<GenericRecord> records = ParquetRows.head(input, rows);
        List<BenchRow> table = new ArrayList<>();
        // ML_PREDICT embeds what it is given: the chunks our job sends, made before any clock starts.
        List<String> chunks = MlPredictBench.chunkTexts(records);
        ModelOptions model = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        try (EmbeddingServer server = EmbeddingServer.start(ServeOptions.builder(model, "all-minilm-l6-v2")
                .port(0)
                .flushTokens(32768)
                .threads(32)
                .build())) {
            table.add(RuntimeBench.bulkJob(records, "bulk job, in-process model (1 slot)", c -> c, out));
            for (String format : List.of("float", "base64")) {
                table.add(RuntimeBench.bulkJob(
                        records,
                        "bulk job, remote backend → serve, " + format + " (1 slot)",
                        c -> c.with(JobOptions.EMBED_BACKEND, "remote")
                                .with(JobOptions.REMOTE_URL, server.url())
                                .with(JobOptions.REMOTE_MODEL, "all-minilm-l6-v2")
                                .with(JobOptions.REMOTE_ENCODING, format),
                        out));
            }
            long tokens = table.get(0).tokens();
            for (int concurrency : ML_PREDICT_CONCURRENCY) {
                table.add(MlPredictBench.run(
                        chunks,
                        tokens,
                        server.url(),
                        "all-minilm-l6-v2",
                        concurrency,
                        "Flink SQL ML_PREDICT, openai provider → serve, " + concurrency
                                + " requests in flight (1 slot)",
                        out));
            }
        }
        // The pipeline's own ceiling: the same job against a server that costs nothing, on these documents and on
        // ten times as many (so the MiniCluster's start weighs less).
        table.add(againstStub(records, "", out));
        try (InstantEmbeddingsServer stub = new InstantEmbeddingsServer(384)) {
            for (int concurrency : ML_PREDICT_CONCURRENCY) {
                long before = stub.requests();
                BenchRow row = MlPredictBench.run(
                        chunks,
                        table.get(0).tokens(),
                        stub.url(),
                        "instant",
                        concurrency,
                        "Flink SQL ML_PREDICT, openai provider → instant stub server, " + concurrency
                                + " requests in flight (1 slot)",
                        out);
                table.add(row.withNote((stub.requests() - before) + " requests"));
            }
        }
        List<GenericRecord> more = ParquetRows.head(input, rows * 10);
        if (more.size() > records.size()) {
            table.add(againstStub(more, ", " + more.size() + " documents", out));
        }
        return table;
    }

    private static BenchRow againstStub(List<GenericRecord> records, String label, PrintStream out) throws Exception {
        try (InstantEmbeddingsServer stub = new InstantEmbeddingsServer(384)) {
            BenchRow row = RuntimeBench.bulkJob(
                    records,
                    "bulk job, remote backend → instant stub server, base64 (1 slot" + label + ")",
                    c -> c.with(JobOptions.EMBED_BACKEND, "remote")
                            .with(JobOptions.REMOTE_URL, stub.url())
                            .with(JobOptions.REMOTE_MODEL, "instant")
                            .with(JobOptions.REMOTE_ENCODING, "base64"),
                    out);
            String requests = String.format(
                    "%d requests, %.1f inputs and %.0f tokens per request",
                    stub.requests(), (double) stub.inputs() / stub.requests(), (double) row.tokens() / stub.requests());
            out.println(row.name() + ": " + requests);
            return row.withNote(requests);
        }
    }
}
