package dev.flinkembed.operators.sinks.kafka;

import dev.flinkembed.operators.records.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A dead letter as a Kafka record: the original key and bytes untouched (so the message can be fixed and replayed),
 * why and where in headers {@code flink-embed.stage}, {@code flink-embed.kind}, {@code flink-embed.reason},
 * {@code flink-embed.doc-id} (when known), {@code flink-embed.source} and {@code flink-embed.at}.
 *
 * <p>A dead letter must never fail its own write: a record larger than the producer accepts
 * ({@code max.request.size}, 1 MiB by default) would fail the sink and the job. So a value that does not fit in that
 * size less {@value #HEADROOM} bytes is cut to fit, and the header {@code flink-embed.truncated} says
 * {@code "<original> bytes, first <kept> kept"}; a key over {@value #MAX_KEY} bytes is cut the same way (header
 * {@code flink-embed.key-truncated}). Reason, stage, kind and document id always survive.
 */
final class DeadLetterRecordSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    static final String STAGE = "flink-embed.stage";
    static final String KIND = "flink-embed.kind";
    static final String REASON = "flink-embed.reason";
    static final String DOC_ID = "flink-embed.doc-id";
    static final String SOURCE = "flink-embed.source";
    static final String AT = "flink-embed.at";
    static final String TRUNCATED = "flink-embed.truncated";
    static final String KEY_TRUNCATED = "flink-embed.key-truncated";

    /** Room for headers and Kafka's record and batch overhead. */
    static final int HEADROOM = 16 * 1024;

    static final int MAX_KEY = 4 * 1024;
    private static final int MAX_HEADER_CHARS = 2048;
    static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    private final String topic;
    private final int maxRecordBytes;

    DeadLetterRecordSerializer(String topic, int maxRequestSize) {
        this.topic = topic;
        this.maxRecordBytes = Math.max(MAX_KEY + 1024, maxRequestSize - HEADROOM);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        List<Header> headers = new ArrayList<>(List.of(
                header(STAGE, d.stage),
                header(KIND, d.kind),
                header(REASON, d.reason),
                header(SOURCE, d.source),
                header(AT, Instant.ofEpochMilli(d.at).toString())));
        if (d.docId != null) {
            headers.add(header(DOC_ID, d.docId));
        }
        byte[] key = d.key;
        if (key != null && key.length > MAX_KEY) {
            headers.add(header(KEY_TRUNCATED, key.length + " bytes, first " + MAX_KEY + " kept"));
            key = Arrays.copyOf(key, MAX_KEY);
        }
        byte[] value = d.originalBytes();
        int room = maxRecordBytes - (key == null ? 0 : key.length);
        if (value != null && value.length > room) {
            headers.add(header(TRUNCATED, value.length + " bytes, first " + room + " kept"));
            value = Arrays.copyOf(value, room);
        }
        return new ProducerRecord<>(topic, null, null, key, value, headers);
    }

    private static Header header(String name, String value) {
        String v = value == null || value.length() <= MAX_HEADER_CHARS
                ? value
                : value.substring(0, MAX_HEADER_CHARS) + "…";
        return new RecordHeader(name, v == null ? null : v.getBytes(StandardCharsets.UTF_8));
    }
}
