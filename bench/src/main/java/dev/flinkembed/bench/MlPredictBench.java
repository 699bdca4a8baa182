package dev.flinkembed.bench;

import dev.flinkembed.jobs.cli.Environments;
import dev.flinkembed.operators.chunking.Chunker;
import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Flink SQL's own answer to remote embeddings: {@code ML_PREDICT} with the {@code openai} model provider
 * ({@code flink-model-openai}), which sends one {@code /v1/embeddings} request per row through Flink's async operator.
 * It embeds what it is given, so it gets the chunks our job would send (the same chunker, before the clock starts); the
 * job runs on a local MiniCluster with one slot, like the bulk job rows it is compared with, and collects the vectors.
 */
final class MlPredictBench {

    private MlPredictBench() {}

    /** The chunk texts the bulk job sends for {@code records}, in order. */
    static List<String> chunkTexts(List<GenericRecord> records) {
        List<String> texts = new ArrayList<>();
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            Chunker chunker = new Chunker(model.tokenizer(), ChunkingOptions.DEFAULT);
            for (GenericRecord r : records) {
                for (Chunk c : chunker.chunk(Document.of(String.valueOf(r.get("id")), String.valueOf(r.get("text"))))) {
                    texts.add(c.embedText != null ? c.embedText : c.text);
                }
            }
        }
        return texts;
    }

    /**
     * Embeds {@code texts} with ML_PREDICT against {@code url} (an OpenAI-compatible API base) with at most
     * {@code concurrency} requests in flight ({@code table.exec.async-ml-predict.max-concurrent-operations}), results
     * unordered; timed from submission to the last vector collected.
     */
    static BenchRow run(
            List<String> texts, long tokens, String url, String model, int concurrency, String label, PrintStream out)
            throws Exception {
        return run(
                texts,
                tokens,
                "'provider' = 'openai', 'endpoint' = '" + url + "/embeddings', 'api-key' = 'unused', 'model' = '"
                        + model + "'",
                concurrency,
                label,
                out);
    }

    /** The same with any model provider: {@code modelOptions} is the CREATE MODEL statement's WITH list. */
    static BenchRow run(
            List<String> texts, long tokens, String modelOptions, int concurrency, String label, PrintStream out)
            throws Exception {
        StreamExecutionEnvironment env = Environments.local(1);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", Integer.toString(concurrency));
        tables.getConfig().set("table.exec.async-ml-predict.output-mode", "ALLOW_UNORDERED");
        tables.getConfig().set("table.exec.async-ml-predict.timeout", "10 min");
        List<Row> rows = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            rows.add(Row.of(i, texts.get(i)));
        }
        tables.createTemporaryView(
                "chunks",
                tables.fromDataStream(env.fromData(
                        Types.ROW_NAMED(new String[] {"id", "text"}, Types.INT, Types.STRING),
                        rows.toArray(Row[]::new))));
        tables.executeSql("CREATE TEMPORARY MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ("
                + modelOptions + ")");
        long start = System.nanoTime();
        int vectors = 0;
        int dimensions = -1;
        try (CloseableIterator<Row> result = tables.executeSql(
                        "SELECT id, embedding FROM ML_PREDICT(TABLE chunks, MODEL embedder, DESCRIPTOR(text))")
                .collect()) {
            while (result.hasNext()) {
                Object[] embedding = (Object[]) result.next().getField("embedding");
                dimensions = embedding.length;
                vectors++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (vectors != texts.size()) {
            throw new IllegalStateException(label + ": " + vectors + " vectors for " + texts.size() + " chunks");
        }
        out.printf("%s: %.1f s, %d vectors of %d dimensions%n", label, seconds, vectors, dimensions);
        return new BenchRow(label, vectors, tokens, seconds, Double.NaN);
    }
}
