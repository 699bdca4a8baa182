package dev.flinkembed.jobs.bench;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.Environments;
import dev.flinkembed.jobs.cli.FlinkEmbedCli;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.stream.StreamJob;
import dev.flinkembed.operators.stores.pgvector.PgVectorStoreFactory;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.ParquetRows;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Kafka → pgvector benchmark, in one JVM against a real KRaft broker and PostgreSQL + pgvector (PGlite):
 * (1) the bulk job loading N documents from Parquet into pgvector, (2) the stream job draining the same N documents
 * from a Kafka backlog into pgvector, (2b) and into a Parquet change log (visible when a checkpoint commits it) —
 * sustained documents/s, side by side — then (3) end-to-end latency
 * (produce → row visible in the table) at a fixed input rate below the measured capacity.
 *
 * <p>{@code mvn -B -q -DskipTests install && mvn -B -q -pl jobs exec:exec@stream-bench [-Dbench.docs=2000]
 * [-Dbench.parallelism=1] [-Dbench.latency-load=0.3] [-Dbench.latency-seconds=60]}
 */
public final class StreamBench {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    public static void main(String[] args) throws Exception {
        int docs = Integer.getInteger("bench.docs", 2000);
        int parallelism = Integer.getInteger("bench.parallelism", 1);
        double load = Double.parseDouble(System.getProperty("bench.latency-load", "0.3"));
        int latencySeconds = Integer.getInteger("bench.latency-seconds", 60);
        Path corpus = TestCorpus.fullCorpusOrSample();
        List<GenericRecord> rows = ParquetRows.head(corpus, docs);
        docs = rows.size();
        System.out.printf("corpus %s, %d documents, parallelism %d%n", corpus, docs, parallelism);
        Path tmp = Files.createTempDirectory("stream-bench");
        try (KafkaBroker kafka = KafkaBroker.start();
                PgliteServer pg = PgliteServer.start()) {
            // (1) bulk
            Path input = tmp.resolve("docs.parquet");
            ParquetRows.write(input, rows);
            long t0 = System.nanoTime();
            int code = FlinkEmbedCli.run(
                    "bulk",
                    "--input",
                    input.toString(),
                    "--output",
                    tmp.resolve("out").toString(),
                    "--sink",
                    "pgvector",
                    "--pg-url",
                    pg.jdbcUrl(),
                    "--table",
                    "bench_bulk",
                    "--parallelism",
                    Integer.toString(parallelism),
                    "--set",
                    "job.progress-interval=0");
            double bulkSeconds = (System.nanoTime() - t0) / 1e9;
            if (code != 0) {
                throw new IllegalStateException("bulk failed: " + code);
            }

            // (2) stream: the same documents as a backlog
            kafka.createTopic("bench", 2);
            try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
                for (GenericRecord r : rows) {
                    send(p, r.get("id").toString(), r.get("text").toString());
                }
            }
            JobConfig config = JobConfig.defaults()
                    .with(JobOptions.KAFKA_BOOTSTRAP, kafka.bootstrapServers())
                    .with(JobOptions.KAFKA_TOPIC, "bench")
                    .with(PgVectorStoreFactory.URL, pg.jdbcUrl())
                    .with(PgVectorStoreFactory.TABLE, "bench_stream")
                    .with(JobOptions.JOB_PARALLELISM, Integer.toString(parallelism));
            t0 = System.nanoTime();
            StreamJob.Plan plan = StreamJob.plan(config);
            JobClient client = StreamJob.start(Environments.local(parallelism), plan, System.out);
            while (distinctDocs(pg) < docs) {
                Thread.sleep(100);
            }
            double streamSeconds = (System.nanoTime() - t0) / 1e9;
            double capacity = docs / streamSeconds;

            // (3) latency at a fixed rate below capacity
            double rate = capacity * load;
            int n = (int) Math.max(1, rate * latencySeconds);
            Map<String, Long> sent = new ConcurrentHashMap<>();
            Map<String, Long> seen = new ConcurrentHashMap<>();
            Thread poller = new Thread(() -> poll(pg, sent, seen), "latency-poller");
            poller.setDaemon(true);
            poller.start();
            long start = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
                for (int i = 0; i < n; i++) {
                    long wait = start + (long) (i / rate * 1e9) - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    String id = "lat-" + i;
                    sent.put(id, System.nanoTime());
                    send(p, id, rows.get(i % rows.size()).get("text").toString());
                    p.flush();
                }
            }
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (seen.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            client.cancel().get();
            // (2b) the same documents as a backlog in a topic of their own, into a Parquet change log (rows become
            // visible when a checkpoint commits their file: every 2 s here)
            kafka.createTopic("bench-parquet", 2);
            try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
                for (GenericRecord r : rows) {
                    send(
                            p,
                            "bench-parquet",
                            r.get("id").toString(),
                            r.get("text").toString());
                }
            }
            Path lake = tmp.resolve("lake");
            JobConfig parquetConfig = config.with(JobOptions.SINK_TYPE, "parquet")
                    .with(JobOptions.KAFKA_TOPIC, "bench-parquet")
                    .with(JobOptions.SINK_PATH, lake.toString())
                    .with(JobOptions.KAFKA_GROUP_ID, "bench-parquet")
                    .with(JobOptions.JOB_CHECKPOINT_INTERVAL, "2s");
            t0 = System.nanoTime();
            JobClient parquetClient =
                    StreamJob.start(Environments.local(parallelism), StreamJob.plan(parquetConfig), System.out);
            while (distinctParquetDocs(lake) < docs) {
                Thread.sleep(100);
            }
            double parquetSeconds = (System.nanoTime() - t0) / 1e9;
            parquetClient.cancel().get();
            double[] lat = seen.entrySet().stream()
                    .mapToDouble(e -> (e.getValue() - sent.get(e.getKey())) / 1e6)
                    .sorted()
                    .toArray();

            System.out.println();
            System.out.println("| run | documents | seconds | documents/s | vs bulk |");
            System.out.println("|---|---|---|---|---|");
            System.out.printf(
                    "| bulk job, Parquet → pgvector | %d | %.1f | %.1f | 1.00× |%n",
                    docs, bulkSeconds, docs / bulkSeconds);
            System.out.printf(
                    "| stream job, Kafka backlog → pgvector | %d | %.1f | %.1f | %.2f× |%n",
                    docs, streamSeconds, capacity, capacity / (docs / bulkSeconds));
            System.out.printf(
                    "| stream job, Kafka backlog → Parquet change log | %d | %.1f | %.1f | %.2f× |%n",
                    docs, parquetSeconds, docs / parquetSeconds, (docs / parquetSeconds) / (docs / bulkSeconds));
            System.out.println();
            System.out.printf(
                    "latency at %.1f documents/s (%.0f%% of the stream's capacity) for %d s: %d of %d "
                            + "seen, p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    rate,
                    load * 100,
                    latencySeconds,
                    lat.length,
                    n,
                    pct(lat, 50),
                    pct(lat, 99),
                    lat.length == 0 ? 0 : lat[lat.length - 1]);
        }
        System.exit(0);
    }

    /** Documents in the committed change-log files (in-progress files are hidden, not matched). */
    private static long distinctParquetDocs(Path lake) {
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(DISTINCT doc_id) FROM read_parquet('" + lake + "/vectors/**/*.parquet')")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0; // no committed file yet
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String id, String text) throws Exception {
        send(p, "bench", id, text);
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String topic, String id, String text) throws Exception {
        String json = "{\"id\":" + JSON.writeValueAsString(id) + ",\"text\":" + JSON.writeValueAsString(text) + "}";
        p.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
    }

    private static long distinctDocs(PgliteServer pg) {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(DISTINCT doc_id) FROM bench_stream")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    /** Every 20 ms: which latency documents are visible in the table now. */
    private static void poll(PgliteServer pg, Map<String, Long> sent, Map<String, Long> seen) {
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery(
                        "SELECT doc_id FROM bench_stream WHERE doc_id LIKE 'lat-%' " + "AND chunk_index = 0")) {
                    long now = System.nanoTime();
                    while (rs.next()) {
                        String id = rs.getString(1);
                        if (sent.containsKey(id)) {
                            seen.putIfAbsent(id, now);
                        }
                    }
                }
                Thread.sleep(20);
            }
        } catch (Exception e) {
            // the benchmark is over
        }
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }

    private StreamBench() {}
}
