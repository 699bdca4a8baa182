package dev.flinkembed.bench;

import dev.flinkembed.jobs.bulk.BulkJob;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.stores.elasticsearch.ElasticsearchStore;
import dev.flinkembed.operators.stores.elasticsearch.ElasticsearchStoreFactory;
import dev.flinkembed.operators.stores.elasticsearch.EsOptions;
import dev.flinkembed.operators.stores.pgvector.PgVectorStoreFactory;
import dev.flinkembed.operators.testing.ElasticsearchNode;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * {@code bench --suite stores}: the vector stores side by side in one run. Writes: the bulk job over the same
 * documents into Elasticsearch, pgvector (PGlite: PostgreSQL compiled to WebAssembly, the only pgvector on this
 * machine) and Parquet (no store: the pipeline's own rate), the model taken out by the instant stub server (a
 * distinct unit vector per text, so the HNSW graphs see a spread). Search: the real model's vectors of the same
 * documents in Elasticsearch, kNN over HNSW (float, int8) and over a flat index (Elasticsearch's exact search) for
 * queries the model embeds from documents outside the corpus: latency p50/p99 and recall@10 against the true nearest
 * chunks computed here by brute force.
 */
public final class StoresBench {

    static final int QUERIES = 200;
    static final int K = 10;

    private StoresBench() {}

    public static void run(Path input, int rows, PrintStream log, PrintStream out) throws Exception {
        List<GenericRecord> all = ParquetRows.head(input, rows + QUERIES);
        List<GenericRecord> docs = all.subList(0, Math.min(rows, all.size() - QUERIES));
        List<GenericRecord> queries = all.subList(docs.size(), all.size());
        Path dir = Files.createTempDirectory("flink-embed-stores-bench");
        Path corpus = dir.resolve("corpus.parquet");
        ParquetRows.write(corpus, docs);
        ElasticsearchNode es = ElasticsearchNode.shared();
        out.printf("%nWrites: %d documents, bulk job at parallelism 2, model = instant stub server%n%n", docs.size());
        out.println("| sink | chunks | seconds | documents/s | chunks/s | vs Parquet |");
        out.println("|---|---|---|---|---|---|");
        try (InstantEmbeddingsServer stub = new InstantEmbeddingsServer(384, true);
                PgliteServer pg = PgliteServer.start()) {
            UnaryOperator<JobConfig> remote = c -> c.with(JobOptions.EMBED_BACKEND, "remote")
                    .with(JobOptions.REMOTE_URL, stub.url())
                    .with(JobOptions.REMOTE_MODEL, "instant")
                    .with(JobOptions.REMOTE_ENCODING, "base64");
            Path warm = dir.resolve("warm-up.parquet");
            ParquetRows.write(warm, docs.subList(0, Math.min(500, docs.size())));
            write(warm, dir, "warm-up", remote, () -> 0, log, new PrintStream(OutputStream.nullOutputStream()), 1);
            double parquet = write(corpus, dir, "parquet", remote, () -> -1, log, out, Double.NaN);
            write(
                    corpus,
                    dir,
                    "elasticsearch",
                    c -> remote.apply(c)
                            .with(JobOptions.SINK_TYPE, "elasticsearch")
                            .with(ElasticsearchStoreFactory.URL, es.url())
                            .with(ElasticsearchStoreFactory.INDEX, "bench-writes")
                            .with(ElasticsearchStoreFactory.REPLICAS, "0"),
                    () -> es.admin("GET", "/bench-writes/_count", null)
                            .path("count")
                            .asLong(),
                    log,
                    out,
                    parquet);
            write(
                    corpus,
                    dir,
                    "pgvector (PGlite)",
                    c -> remote.apply(c)
                            .with(JobOptions.SINK_TYPE, "pgvector")
                            .with(PgVectorStoreFactory.URL, pg.jdbcUrl())
                            .with(PgVectorStoreFactory.TABLE, "bench_writes"),
                    () -> {
                        try (Connection c = pg.connect();
                                Statement s = c.createStatement();
                                ResultSet rs = s.executeQuery("SELECT count(*) FROM bench_writes")) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    },
                    log,
                    out,
                    parquet);
        }
        search(corpus, dir, queries, es, log, out);
    }

    interface Count {
        long get() throws Exception;
    }

    /** One bulk job into {@code sink}; prints its row; returns its documents/s. */
    static double write(
            Path corpus,
            Path dir,
            String sink,
            UnaryOperator<JobConfig> config,
            Count count,
            PrintStream log,
            PrintStream out,
            double baseline)
            throws Exception {
        JobConfig c = config.apply(JobConfig.defaults()
                .with(JobOptions.SOURCE_PATH, corpus.toString())
                .with(
                        JobOptions.SINK_PATH,
                        dir.resolve("out-" + sink.replaceAll("\\W", "")).toString())
                .with(JobOptions.JOB_PARALLELISM, "2")
                .with(JobOptions.JOB_PROGRESS_INTERVAL, "0"));
        BulkJob.Plan plan = BulkJob.plan(c);
        StreamExecutionEnvironment env = dev.flinkembed.jobs.cli.Environments.local(plan.parallelism());
        long start = System.nanoTime();
        BulkJob.run(env, plan, log);
        double seconds = (System.nanoTime() - start) / 1e9;
        long chunks = count.get();
        if (chunks < 0) {
            chunks = ParquetRows.readAll(dir.resolve("out-parquet").resolve("vectors"))
                    .size();
        }
        long docs = ParquetRows.head(corpus, Integer.MAX_VALUE).size();
        double perSecond = docs / seconds;
        out.printf(
                "| %s | %d | %.1f | %.0f | %.0f | %s |%n",
                sink,
                chunks,
                seconds,
                perSecond,
                chunks / seconds,
                Double.isNaN(baseline) ? "1.00×" : String.format("%.2f×", perSecond / baseline));
        return perSecond;
    }

    /** The real model's vectors of the corpus in HNSW indices; kNN against exact search. */
    static void search(
            Path corpus,
            Path dir,
            List<GenericRecord> queryDocs,
            ElasticsearchNode es,
            PrintStream log,
            PrintStream out)
            throws Exception {
        JobConfig c = JobConfig.defaults()
                .with(JobOptions.SOURCE_PATH, corpus.toString())
                .with(JobOptions.SINK_PATH, dir.resolve("real").toString())
                .with(JobOptions.JOB_PARALLELISM, "2")
                .with(JobOptions.JOB_PROGRESS_INTERVAL, "0");
        long start = System.nanoTime();
        BulkJob.Plan plan = BulkJob.plan(c);
        BulkJob.run(dev.flinkembed.jobs.cli.Environments.local(plan.parallelism()), plan, log);
        log.printf("real vectors of the corpus: %.1f s%n", (System.nanoTime() - start) / 1e9);
        List<EmbeddedChunk> chunks = new ArrayList<>();
        for (GenericRecord r : ParquetRows.readAll(dir.resolve("real").resolve("vectors"))) {
            chunks.add(chunk(r));
        }
        List<float[]> queries = new ArrayList<>();
        try (InProcessEmbeddingModel model =
                InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL))) {
            List<EmbeddingInput> inputs = queryDocs.stream()
                    .map(r -> EmbeddingInput.query(firstSentence(r.get("text").toString())))
                    .toList();
            model.embed(inputs).embeddings().forEach(e -> queries.add(e.vector()));
        }
        out.printf(
                "%nSearch: %d chunks (the model's vectors), %d queries (first sentences of other documents), k = %d%n%n",
                chunks.size(), queries.size(), K);
        out.println("| index_options | num_candidates | p50 ms | p99 ms | recall@10 |");
        out.println("|---|---|---|---|---|");
        List<List<String>> exact = new ArrayList<>();
        for (float[] q : queries) {
            exact.add(bruteForce(chunks, q));
        }
        for (String type : List.of("flat", "hnsw", "int8_hnsw")) {
            String index = "bench-search-" + type.replace('_', '-');
            EsOptions o = EsOptions.builder(es.url(), index, 384)
                    .indexType(type)
                    .replicas(0)
                    .numCandidates(100)
                    .flushIntervalMillis(0)
                    .build();
            ElasticsearchStore store = new ElasticsearchStore(o);
            store.prepare();
            load(store, chunks);
            es.admin("POST", "/" + index + "/_forcemerge?max_num_segments=1", null);
            List<double[]> settings = type.equals("flat")
                    ? List.of(new double[] {100, 0})
                    : type.startsWith("int")
                            ? List.of(new double[] {100, 0}, new double[] {200, 0}, new double[] {100, 3})
                            : List.of(new double[] {100, 0}, new double[] {200, 0});
            for (double[] setting : settings) {
                int candidates = (int) setting[0];
                ElasticsearchStore s = new ElasticsearchStore(EsOptions.builder(es.url(), index, 384)
                        .indexType(type)
                        .numCandidates(candidates)
                        .rescoreOversample(setting[1])
                        .build());
                double[] ms = new double[queries.size()];
                double recall = 0;
                try (StoreSession session = s.open()) {
                    for (int w = 0; w < 20; w++) {
                        session.nearest(queries.get(w), K); // warm-up
                    }
                    for (int i = 0; i < queries.size(); i++) {
                        long t = System.nanoTime();
                        List<SearchHit> hits = session.nearest(queries.get(i), K);
                        ms[i] = (System.nanoTime() - t) / 1e6;
                        Set<String> got = new HashSet<>();
                        hits.forEach(h -> got.add(h.docId() + "#" + h.chunkIndex()));
                        got.retainAll(exact.get(i));
                        recall += got.size() / (double) K;
                    }
                }
                out.printf(
                        "| %s | %d | %.1f | %.1f | %.3f |%n",
                        type, candidates, pct(ms, 50), pct(ms, 99), recall / queries.size());
            }
        }
    }

    static String firstSentence(String text) {
        int dot = text.indexOf(". ");
        return dot > 0 ? text.substring(0, dot) : text.substring(0, Math.min(120, text.length()));
    }

    static double pct(double[] values, int p) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    /** The true nearest {@link #K} chunks by cosine, computed here over every vector (the vectors are unit length). */
    static List<String> bruteForce(List<EmbeddedChunk> chunks, float[] q) {
        Integer[] order = new Integer[chunks.size()];
        double[] score = new double[chunks.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            score[i] = dev.flinkembed.runtime.pooling.Vectors.cosine(chunks.get(i).embedding, q);
        }
        Arrays.sort(order, (x, y) -> Double.compare(score[y], score[x]));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < K && i < order.length; i++) {
            EmbeddedChunk c = chunks.get(order[i]);
            out.add(c.docId + "#" + c.chunkIndex);
        }
        return out;
    }

    static void load(ElasticsearchStore store, List<EmbeddedChunk> chunks) throws Exception {
        StreamExecutionEnvironment env = dev.flinkembed.jobs.cli.Environments.local(1);
        env.setParallelism(1);
        try (CloseableIterator<DeadLetter> refused = store.write(
                        env.fromData(chunks, TypeInformation.of(EmbeddedChunk.class)), "bench-load", null)
                .executeAndCollect()) {
            if (refused.hasNext()) {
                throw new IllegalStateException("refused: " + refused.next().reason);
            }
        }
    }

    static EmbeddedChunk chunk(GenericRecord r) {
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = r.get("doc_id").toString();
        e.chunkIndex = (Integer) r.get("chunk_index");
        e.chunkCount = (Integer) r.get("chunk_count");
        e.text = r.get("text").toString();
        e.startChar = (Integer) r.get("start_char");
        e.endChar = (Integer) r.get("end_char");
        e.tokenCount = (Integer) r.get("token_count");
        e.contentHash = r.get("content_hash").toString();
        e.model = r.get("model").toString();
        e.modelFingerprint = r.get("model_fingerprint").toString();
        e.embeddedAt = r.get("embedded_at") instanceof Long l ? l : 0L;
        @SuppressWarnings("unchecked")
        List<Float> v = (List<Float>) r.get("embedding");
        e.embedding = new float[v.size()];
        for (int i = 0; i < e.embedding.length; i++) {
            e.embedding[i] = v.get(i);
        }
        return e;
    }
}
