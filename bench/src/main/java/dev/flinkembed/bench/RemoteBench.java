package dev.flinkembed.bench;

import dev.flinkembed.operators.testing.ParquetRows;

import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.serve.EmbeddingServer;
import dev.flinkembed.jobs.serve.ServeOptions;
import dev.flinkembed.runtime.loading.ModelOptions;
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

    private RemoteBench() {
    }

    public static List<BenchRow> run(Path input, int rows, PrintStream out) throws Exception {
        List<GenericRecord> records = ParquetRows.head(input, rows);
        List<BenchRow> table = new ArrayList<>();
        ModelOptions model = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);
        try (EmbeddingServer server = EmbeddingServer.start(ServeOptions.builder(model, "all-minilm-l6-v2")
                .port(0).flushTokens(32768).threads(32).build())) {
            table.add(RuntimeBench.bulkJob(records, "bulk job, in-process model (1 slot)", c -> c, out));
            for (String format : List.of("float", "base64")) {
                table.add(RuntimeBench.bulkJob(records, "bulk job, remote backend → serve, " + format + " (1 slot)",
                        c -> c.with(JobOptions.EMBED_BACKEND, "remote").with(JobOptions.REMOTE_URL, server.url())
                                .with(JobOptions.REMOTE_MODEL, "all-minilm-l6-v2")
                                .with(JobOptions.REMOTE_ENCODING, format), out));
            }
        }
        // The pipeline's own ceiling: the same job against a server that costs nothing.
        try (InstantEmbeddingsServer stub = new InstantEmbeddingsServer(384)) {
            table.add(RuntimeBench.bulkJob(records, "bulk job, remote backend → instant stub server, base64 (1 slot)",
                    c -> c.with(JobOptions.EMBED_BACKEND, "remote").with(JobOptions.REMOTE_URL, stub.url())
                            .with(JobOptions.REMOTE_MODEL, "instant").with(JobOptions.REMOTE_ENCODING, "base64"),
                    out));
        }
        return table;
    }
}
