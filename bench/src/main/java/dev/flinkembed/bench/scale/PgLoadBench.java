package dev.flinkembed.bench.scale;

import dev.flinkembed.jobs.cdc.Postgres15;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.BufferedWriteOperator;
import dev.flinkembed.operators.stores.pgvector.PgVectorOptions;
import dev.flinkembed.operators.stores.pgvector.PgVectorStore;
import dev.flinkembed.operators.stores.pgvector.PgVectorWriters;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/**
 * {@code bench --suite pg-load}: one pgvector writer alone (no Flink, no model) loading {@code --rows} new chunk rows
 * (384 dimensions, texts of the corpus' mean length) into an empty table without an index on a PostgreSQL server
 * (with pgvector, see docs/scale.md), side by side in paired rounds: this build's writer (as every job writes) at two batch sizes with {@code pgvector.copy=false} (batched upserts only) and with its default (new rows by
 * {@code COPY … FROM STDIN (FORMAT binary)}). The
 * writer's rate is the per-writer figure of the billion-document model; the ratio says whether COPY is worth it.
 */
public final class PgLoadBench {

    static final int DIMENSIONS = 384;

    private PgLoadBench() {}

    interface Load {
        void run(PgVectorOptions o, List<EmbeddedChunk> rows) throws Exception;
    }

    public static void run(int rows, int rounds, PrintStream log, PrintStream out) throws Exception {
        List<EmbeddedChunk> data = rows(rows);
        try (Postgres15 pg = Postgres15.start()) {
            Map<String, Load> loads = new LinkedHashMap<>();
            loads.put("batched upserts, 500 per batch (pgvector.copy=false)", (o, r) -> writer(o, 500, false, r));
            loads.put("batched upserts, 5,000 per batch (pgvector.copy=false)", (o, r) -> writer(o, 5_000, false, r));
            loads.put("COPY binary, 500 per batch (default)", (o, r) -> writer(o, 500, true, r));
            loads.put("COPY binary, 5,000 per batch", (o, r) -> writer(o, 5_000, true, r));
            PgVectorOptions o = PgVectorOptions.builder(pg.jdbcUrl(), "load", DIMENSIONS)
                    .hnswIndex(false)
                    .build();
            new PgVectorStore(o).prepare();
            Map<String, List<Double>> seconds = new LinkedHashMap<>();
            loads.keySet().forEach(k -> seconds.put(k, new ArrayList<>()));
            for (int round = 0; round < rounds; round++) {
                for (Map.Entry<String, Load> l : loads.entrySet()) {
                    try (Connection c = o.connect();
                            Statement s = c.createStatement()) {
                        s.execute("TRUNCATE load");
                        s.execute("CHECKPOINT");
                    }
                    long t0 = System.nanoTime();
                    l.getValue().run(o, data);
                    double took = (System.nanoTime() - t0) / 1e9;
                    long count = count(o);
                    if (count != rows) {
                        throw new IllegalStateException(l.getKey() + " left " + count + " rows, not " + rows);
                    }
                    seconds.get(l.getKey()).add(took);
                    log.printf("round %d: %s %.2f s%n", round + 1, l.getKey(), took);
                }
            }
            out.printf(
                    "%nLoading %,d new chunk rows (%d dimensions) into an empty pgvector table without an index, one "
                            + "writer, PostgreSQL 15 server (fsync off), median of %d paired rounds%n%n",
                    rows, DIMENSIONS, rounds);
            double base = IndexScanBench.median(seconds.values().iterator().next());
            out.println("| load | seconds | rows/s | vs batched upserts of 500 |");
            out.println("|---|---|---|---|");
            for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
                double m = IndexScanBench.median(e.getValue());
                out.printf("| %s | %.2f | %,.0f | %.2f× |%n", e.getKey(), m, rows / m, base / m);
            }
        }
    }

    /** This build's writer, as a job's sink task runs it. */
    private static void writer(PgVectorOptions o, int batch, boolean copy, List<EmbeddedChunk> rows) throws Exception {
        PgVectorOptions batched = PgVectorOptions.builder(o.url(), o.table(), o.dimensions())
                .hnswIndex(false)
                .batchSize(batch)
                .copy(copy)
                .build();
        List<Object> refused = new ArrayList<>();
        try (BufferedWriteOperator.Writer w = new PgVectorWriters(batched, null)
                .open(UnregisteredMetricsGroup.createOperatorMetricGroup(), refused::add)) {
            for (EmbeddedChunk e : rows) {
                w.write(e);
            }
            w.finish();
        }
        if (!refused.isEmpty()) {
            throw new IllegalStateException(refused.size() + " documents refused");
        }
    }

    private static long count(PgVectorOptions o) throws Exception {
        try (Connection c = o.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM load")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** One chunk per document: ~560 characters of words (the corpus' mean), a unit vector, the job's lineage. */
    static List<EmbeddedChunk> rows(int n) {
        Random random = new Random(42);
        String[] words = "package provides the a of to and for library tools files data support with is in this "
                .concat("server client version command line interface system network module python development")
                .split(" ");
        List<EmbeddedChunk> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder text = new StringBuilder();
            while (text.length() < 560) {
                text.append(words[random.nextInt(words.length)]).append(' ');
            }
            EmbeddedChunk e = new EmbeddedChunk();
            e.docId = String.format("doc-%08d", i);
            e.chunkCount = 1;
            e.text = text.toString().strip();
            e.title = "package-" + i;
            e.endChar = e.text.length();
            e.tokenCount = 95;
            e.contentHash = Integer.toHexString(e.text.hashCode()) + "0".repeat(56);
            e.documentHash = Integer.toHexString(i) + "0".repeat(24);
            e.model = "instant";
            e.modelFingerprint = "0123456789abcdef0123456789abcdef";
            e.embeddedAt = 1_760_000_000_000L + i;
            e.embedding = new float[DIMENSIONS];
            double norm = 0;
            for (int d = 0; d < DIMENSIONS; d++) {
                e.embedding[d] = (float) random.nextGaussian();
                norm += e.embedding[d] * e.embedding[d];
            }
            for (int d = 0; d < DIMENSIONS; d++) {
                e.embedding[d] /= (float) Math.sqrt(norm);
            }
            out.add(e);
        }
        return out;
    }
}
