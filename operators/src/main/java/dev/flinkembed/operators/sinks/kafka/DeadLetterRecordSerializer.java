package dev.flinkembed.operators.sinks.kafka;

import dev.flinkembed.operators.records.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A dead letter as a Kafka record: the original key and bytes untouched (so the message can be fixed and replayed),
 * why and where in headers {@code flink-embed.reason}, {@code flink-embed.source} and {@code flink-embed.at}.
 */
final class DeadLetterRecordSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    static final String REASON = "flink-embed.reason";
    static final String SOURCE = "flink-embed.source";
    static final String AT = "flink-embed.at";

    private final String topic;

    DeadLetterRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        List<Header> headers = List.of(header(REASON, d.reason), header(SOURCE, d.source),
                header(AT, java.time.Instant.ofEpochMilli(d.at).toString()));
        return new ProducerRecord<>(topic, null, null, d.key, d.originalBytes(), headers);
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
