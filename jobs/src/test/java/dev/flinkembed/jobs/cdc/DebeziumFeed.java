package dev.flinkembed.jobs.cdc;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Debezium's embedded engine with its PostgreSQL connector ({@code pgoutput}), writing the change events of one
 * table to a Kafka topic as Debezium Server or Kafka Connect would: Kafka Connect's JSON converter, the schema wrapper
 * on key and value, the primary key as the message key, a tombstone after each delete. A batch is acknowledged to
 * the engine only once the producer flushed it.
 */
public final class DebeziumFeed implements AutoCloseable {

    private final DebeziumEngine<ChangeEvent<String, String>> engine;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private DebeziumFeed(DebeziumEngine<ChangeEvent<String, String>> engine) {
        this.engine = engine;
    }

    /** Streams {@code schema.table} of {@code pg} (a snapshot first) to {@code topic}. */
    public static DebeziumFeed start(
            Postgres15 pg, String table, KafkaProducer<byte[], byte[]> producer, String topic, Path offsets) {
        Properties p = new Properties();
        p.setProperty("name", "flink-embed-test-cdc");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.setProperty("offset.storage.file.filename", offsets.toString());
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("database.hostname", "127.0.0.1");
        p.setProperty("database.port", Integer.toString(pg.port()));
        p.setProperty("database.user", "postgres");
        p.setProperty("database.password", "unused-trust-auth");
        p.setProperty("database.dbname", "postgres");
        p.setProperty("topic.prefix", "shop");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", "flink_embed_test");
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", table);
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("tombstones.on.delete", "true");
        p.setProperty("key.converter.schemas.enable", "true");
        p.setProperty("value.converter.schemas.enable", "true");
        DebeziumFeed[] self = new DebeziumFeed[1];
        DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(p)
                .notifying(
                        (List<ChangeEvent<String, String>> records,
                                DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) -> {
                            for (ChangeEvent<String, String> r : records) {
                                producer.send(new ProducerRecord<>(topic, bytes(r.key()), bytes(r.value())));
                            }
                            producer.flush();
                            for (ChangeEvent<String, String> r : records) {
                                committer.markProcessed(r);
                            }
                            committer.markBatchFinished();
                            self[0].sent.addAndGet(records.size());
                        })
                .using((success, message, error) -> {
                    if (!success && self[0] != null) {
                        self[0].failure.set(error != null ? error : new IllegalStateException(message));
                    }
                })
                .build();
        self[0] = new DebeziumFeed(engine);
        self[0].executor.execute(engine);
        return self[0];
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Change events (tombstones included) written to Kafka so far. */
    public long sent() {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("the Debezium engine stopped: " + t, t);
        }
        return sent.get();
    }

    @Override
    public void close() throws Exception {
        engine.close();
        executor.shutdown();
        executor.awaitTermination(30, TimeUnit.SECONDS);
    }
}
