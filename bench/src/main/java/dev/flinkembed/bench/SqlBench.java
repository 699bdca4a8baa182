package dev.flinkembed.bench;

import dev.flinkembed.jobs.cli.Environments;
import dev.flinkembed.jobs.sql.ChunkFunction;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.serve.EmbeddingServer;
import dev.flinkembed.serve.ServeOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * {@code bench --suite sql}: Flink SQL with the flink-embed model provider, side by side in one run, one slot each.
 * In-process: the README's pipeline (chunk function → ML_PREDICT) against the bulk job on the same documents. Remote:
 * our provider ({@code embed.backend = remote}: many rows per request) against flink-model-openai (one request per
 * row), both embedding the same chunk texts through ML_PREDICT, against {@code serve} and against a server that costs
 * nothing (the pipeline's own ceiling).
 */
public final class SqlBench {

    /** ML_PREDICT's rows in flight per subtask for our provider: a batch's worth, as docs/sql.md recommends. */
    static final int OUR_IN_FLIGHT = 2048;

    private SqlBench() {}

    public static List<BenchRow> run(Path input, int rows, PrintStream out) throws Exception {
        List<GenericRecord> records = ParquetRows.head(input, rows);
        List<BenchRow> table = new ArrayList<>();
        BenchRow bulk = RuntimeBench.bulkJob(records, "bulk job, in-process model (1 slot)", c -> c, out);
        table.add(bulk);
        table.add(inProcess(records, bulk.tokens(), out));
        List<String> chunks = MlPredictBench.chunkTexts(records);
        try (EmbeddingServer server = EmbeddingServer.start(
                ServeOptions.builder(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL), "all-minilm-l6-v2")
                        .port(0)
                        .flushTokens(32768)
                        .threads(32)
                        .build())) {
            table.add(ours(chunks, bulk.tokens(), server.url(), "all-minilm-l6-v2", "serve", out));
            table.add(openAi(chunks, bulk.tokens(), server.url(), "all-minilm-l6-v2", "serve", null, out));
        }
        try (InstantEmbeddingsServer stub = new InstantEmbeddingsServer(384)) {
            long before = stub.requests();
            BenchRow ours = ours(chunks, bulk.tokens(), stub.url(), "instant", "instant stub server", out);
            table.add(ours.withNote((stub.requests() - before) + " requests"));
            table.add(openAi(chunks, bulk.tokens(), stub.url(), "instant", "instant stub server", stub, out));
        }
        return table;
    }

    /** The README's pipeline on a local MiniCluster: documents → chunks → ML_PREDICT (flink-embed, in-process). */
    static BenchRow inProcess(List<GenericRecord> records, long tokens, PrintStream out) throws Exception {
        StreamExecutionEnvironment env = Environments.local(1);
        env.setParallelism(1);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.getConfig()
                .set("table.exec.async-ml-predict.max-concurrent-operations", Integer.toString(OUR_IN_FLIGHT));
        tables.getConfig().set("table.exec.async-ml-predict.output-mode", "ALLOW_UNORDERED"); // as the README's session
        List<Row> docs = new ArrayList<>();
        for (GenericRecord r : records) {
            docs.add(Row.of(r.get("id").toString(), r.get("text").toString()));
        }
        tables.createTemporaryView(
                "docs",
                tables.fromDataStream(env.fromData(
                        Types.ROW_NAMED(new String[] {"id", "text"}, Types.STRING, Types.STRING),
                        docs.toArray(Row[]::new))));
        tables.executeSql("CREATE TEMPORARY FUNCTION chunks AS '" + ChunkFunction.class.getName() + "'");
        tables.executeSql("CREATE TEMPORARY MODEL doc_embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
                + "WITH ('provider' = 'flink-embed', 'model.name' = '" + ModelOptions.DEFAULT_MODEL + "')");
        tables.executeSql("CREATE TEMPORARY VIEW doc_chunks AS SELECT d.id AS doc_id, c.* FROM docs AS d, "
                + "LATERAL TABLE(chunks(d.id, d.text)) AS c WHERE c.chunk_error IS NULL");
        long start = System.nanoTime();
        int vectors = 0;
        try (CloseableIterator<Row> result = tables.executeSql("SELECT doc_id, chunk_index, embedding FROM "
                        + "ML_PREDICT(TABLE doc_chunks, MODEL doc_embedder, DESCRIPTOR(embed_text))")
                .collect()) {
            while (result.hasNext()) {
                result.next();
                vectors++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String label = "Flink SQL: chunks → ML_PREDICT, flink-embed provider in-process (1 slot)";
        out.printf("%s: %.1f s, %d vectors%n", label, seconds, vectors);
        return new BenchRow(label, vectors, tokens, seconds, Double.NaN);
    }

    static BenchRow ours(List<String> chunks, long tokens, String url, String model, String server, PrintStream out)
            throws Exception {
        return MlPredictBench.run(
                chunks,
                tokens,
                "'provider' = 'flink-embed', 'embed.backend' = 'remote', 'remote.url' = '" + url
                        + "', 'remote.model' = '" + model + "', 'remote.encoding-format' = 'base64'",
                OUR_IN_FLIGHT,
                "Flink SQL ML_PREDICT, flink-embed provider remote → " + server + ", " + OUR_IN_FLIGHT
                        + " rows in flight (1 slot)",
                out);
    }

    /** flink-model-openai at Flink's default concurrency and two higher ones; the best counts (stub: counts requests). */
    static BenchRow openAi(
            List<String> chunks,
            long tokens,
            String url,
            String model,
            String server,
            InstantEmbeddingsServer stub,
            PrintStream out)
            throws Exception {
        BenchRow best = null;
        for (int concurrency : RemoteBench.ML_PREDICT_CONCURRENCY) {
            long before = stub == null ? 0 : stub.requests();
            BenchRow row = MlPredictBench.run(
                    chunks,
                    tokens,
                    url,
                    model,
                    concurrency,
                    "Flink SQL ML_PREDICT, openai provider → " + server + ", " + concurrency
                            + " requests in flight (1 slot)",
                    out);
            if (stub != null) {
                row = row.withNote((stub.requests() - before) + " requests");
            }
            if (best == null || row.seconds() < best.seconds()) {
                best = row;
            }
        }
        return best;
    }
}
