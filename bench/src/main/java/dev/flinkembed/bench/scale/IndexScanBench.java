package dev.flinkembed.bench.scale;

import dev.flinkembed.jobs.cdc.Postgres15;
import dev.flinkembed.operators.records.IndexedChunk;
import dev.flinkembed.operators.stores.pgvector.IndexedChunksReader;
import dev.flinkembed.operators.stores.pgvector.PgVectorOptions;
import dev.flinkembed.operators.stores.pgvector.PgVectorStore;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.util.Collector;

/**
 * {@code bench --suite index-scan}: reindex's index scan alone, side by side in one run on a PostgreSQL server (with
 * pgvector, see docs/scale.md) holding {@code --rows} documents' lineage rows: the previous reader (one cursor in
 * one transaction, 10,000 rows per fetch) against this build's {@link IndexedChunksReader} in 1, 2 and 4 parts read
 * side by side (one thread each, as one slot each; the boundaries' sampling included), paired rounds.
 */
public final class IndexScanBench {

    private IndexScanBench() {}

    public static void run(int documents, int rounds, PrintStream log, PrintStream out) throws Exception {
        try (Postgres15 pg = Postgres15.start()) {
            PgVectorOptions o = PgVectorOptions.builder(pg.jdbcUrl(), "scan", 384)
                    .hnswIndex(false)
                    .build();
            new PgVectorStore(o).prepare();
            long rows;
            try (Connection c = o.connect();
                    Statement s = c.createStatement()) {
                // every 30th document has 2 chunks, as the corpus has about 1.03 chunks per document
                s.execute("INSERT INTO scan (doc_id, chunk_index, chunk_count, text, start_char, end_char, "
                        + "token_count, content_hash, model, model_fingerprint, embedded_at, embedding) "
                        + "SELECT 'doc-' || lpad(d::text, 8, '0'), i, 1 + (d % 30 = 0)::int, 't', 0, 1, 1, "
                        + "md5(d || '/' || i), 'm', 'fp-0123456789abcdef0123456789abcdef', now(), "
                        + "array_fill(0.1::real, ARRAY[384])::vector FROM generate_series(0, " + (documents - 1)
                        + ") d, generate_series(0, 1) i WHERE i <= (d % 30 = 0)::int");
                s.execute("VACUUM ANALYZE scan");
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM scan")) {
                    rs.next();
                    rows = rs.getLong(1);
                }
            }
            out.printf(
                    "%nIndex scan of %,d rows (%,d documents), PostgreSQL 15 server, median of %d paired rounds%n%n",
                    rows, documents, rounds);
            String[] names = {"one cursor (previous build)", "1 part", "2 parts", "4 parts"};
            List<List<Double>> seconds = new ArrayList<>();
            for (String ignored : names) {
                seconds.add(new ArrayList<>());
            }
            for (int r = 0; r < rounds; r++) {
                seconds.get(0).add(cursor(o, rows));
                seconds.get(1).add(parts(o, 1, rows));
                seconds.get(2).add(parts(o, 2, rows));
                seconds.get(3).add(parts(o, 4, rows));
                log.printf(
                        "round %d: %s%n",
                        r + 1, seconds.stream().map(l -> l.get(l.size() - 1)).toList());
            }
            double base = median(seconds.get(0));
            out.println("| reader | seconds | rows/s | vs one cursor |");
            out.println("|---|---|---|---|");
            for (int i = 0; i < names.length; i++) {
                double m = median(seconds.get(i));
                out.printf("| %s | %.2f | %,.0f | %.2f× |%n", names[i], m, rows / m, base / m);
            }
        }
    }

    private static double cursor(PgVectorOptions o, long expected) throws Exception {
        long t0 = System.nanoTime();
        long n = 0;
        try (Connection c = o.connect()) {
            c.setAutoCommit(false); // pgJDBC streams with a cursor only inside a transaction
            try (PreparedStatement ps = c.prepareStatement("SELECT doc_id, chunk_index, chunk_count, start_char, "
                    + "end_char, content_hash, model_fingerprint FROM " + o.qualifiedTable())) {
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        IndexedChunk.of(
                                rs.getString(1),
                                rs.getInt(2),
                                rs.getInt(3),
                                rs.getInt(4),
                                rs.getInt(5),
                                rs.getString(6),
                                rs.getString(7));
                        n++;
                    }
                }
            } finally {
                c.rollback();
            }
        }
        return check(n, expected, t0);
    }

    private static double parts(PgVectorOptions o, int parts, long expected) throws Exception {
        long t0 = System.nanoTime();
        IndexedChunksReader reader = new IndexedChunksReader(o, 10_000, IndexedChunksReader.boundaries(o, parts));
        AtomicLong n = new AtomicLong();
        Collector<IndexedChunk> count = new Collector<>() {
            @Override
            public void collect(IndexedChunk c) {
                n.incrementAndGet();
            }

            @Override
            public void close() {}
        };
        ExecutorService pool = Executors.newFixedThreadPool(parts);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (long k = 0; k < parts; k++) {
                long part = k;
                running.add(pool.submit(() -> {
                    reader.flatMap(part, count);
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return check(n.get(), expected, t0);
    }

    private static double check(long rows, long expected, long t0) {
        if (rows != expected) {
            throw new IllegalStateException("read " + rows + " rows, the table holds " + expected);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
