package dev.flinkembed.operators.sinks.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.records.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** A dead letter never fails its own write: too large for the producer, it is cut and says so. */
class DeadLetterRecordSerializerTest {

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aDeadLetterLargerThanTheProducerTakesIsCutWithAMarkerAndKeepsItsReasonAndId() {
        DeadLetterRecordSerializer s = new DeadLetterRecordSerializer("dl", 1024 * 1024);
        byte[] original = new byte[5 * 1024 * 1024];
        java.util.Arrays.fill(original, (byte) 0xC3); // not UTF-8: kept as Base64, given back as the same bytes
        DeadLetter d = DeadLetter.ofBytes(DeadLetter.PARSE, "not-utf8", "not valid UTF-8", "t/0@7", original);
        d.key = "k".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        d.forDocument("doc-1");
        ProducerRecord<byte[], byte[]> r = s.serialize(d, null, null);
        assertThat(r.key().length + r.value().length)
                .isLessThanOrEqualTo(1024 * 1024 - DeadLetterRecordSerializer.HEADROOM);
        assertThat(r.value()).startsWith(new byte[] {(byte) 0xC3, (byte) 0xC3});
        assertThat(header(r, DeadLetterRecordSerializer.TRUNCATED)).startsWith("5242880 bytes, first ");
        assertThat(header(r, DeadLetterRecordSerializer.KEY_TRUNCATED)).isEqualTo("10000 bytes, first 4096 kept");
        assertThat(header(r, DeadLetterRecordSerializer.REASON)).isEqualTo("not valid UTF-8");
        assertThat(header(r, DeadLetterRecordSerializer.DOC_ID)).isEqualTo("doc-1");
        assertThat(header(r, DeadLetterRecordSerializer.KIND)).isEqualTo("not-utf8");
        assertThat(header(r, DeadLetterRecordSerializer.STAGE)).isEqualTo("parse");
    }

    @Test
    void aDeadLetterThatFitsIsWrittenAsItCame() {
        DeadLetter d = DeadLetter.of(DeadLetter.PARSE, "invalid-json", "invalid JSON", "t/0@1", "{not json");
        ProducerRecord<byte[], byte[]> r = new DeadLetterRecordSerializer("dl", 1024 * 1024).serialize(d, null, null);
        assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        assertThat(header(r, DeadLetterRecordSerializer.TRUNCATED)).isNull();
    }
}
