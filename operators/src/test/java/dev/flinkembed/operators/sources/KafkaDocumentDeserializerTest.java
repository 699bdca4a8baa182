package dev.flinkembed.operators.sources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.records.Document;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class KafkaDocumentDeserializerTest {

    private static ParsedRecord read(String key, byte[] value) {
        return read(new KafkaDocumentDeserializer(), key, value);
    }

    private static ParsedRecord read(KafkaDocumentDeserializer deserializer, String key, byte[] value) {
        List<ParsedRecord> out = new ArrayList<>();
        deserializer.deserialize(
                new ConsumerRecord<>("docs", 1, 42L, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                new Collector<>() {
                    @Override
                    public void collect(ParsedRecord record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    @Test
    void aDocumentIsParsed() {
        ParsedRecord r =
                read("d1", "{\"id\":\"d1\",\"text\":\"hello\",\"op\":\"upsert\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.document).isEqualTo(Document.of("d1", "hello"));
    }

    @Test
    void aTombstoneDeletesTheDocumentNamedByItsKey() {
        ParsedRecord r = read("d1", null);
        assertThat(r.document.id).isEqualTo("d1");
        assertThat(r.document.op).isEqualTo(Document.DELETE);
    }

    @Test
    void aTombstoneWithoutKeyIsADeadLetter() {
        ParsedRecord r = read(null, null);
        assertThat(r.deadLetter.reason).contains("tombstone").contains("without a key");
        assertThat(r.deadLetter.source).isEqualTo("docs/1@42");
    }

    @Test
    void aMalformedMessageKeepsItsKeyAndExactBytes() {
        byte[] bad = {'{', (byte) 0xC3, (byte) 0x28, '}'};
        ParsedRecord r = read("k", bad);
        assertThat(r.deadLetter.reason).isEqualTo("not valid UTF-8");
        assertThat(r.deadLetter.key).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
        assertThat(r.deadLetter.originalBytes()).isEqualTo(bad);
        assertThat(r.deadLetter.source).isEqualTo("docs/1@42");
    }

    @Test
    void flattenedDebeziumRowsDeleteByTheirJsonKeyOrTheirDeletedMark() {
        KafkaDocumentDeserializer flattened =
                new KafkaDocumentDeserializer("json", DocumentFields.of("id", "body", null, null));
        ParsedRecord tombstone = read(flattened, "{\"id\":42}", null);
        assertThat(tombstone.document.id).isEqualTo("42");
        assertThat(tombstone.document.op).isEqualTo(Document.DELETE);
        ParsedRecord wrapped = read(flattened, "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"id\":42}}", null);
        assertThat(wrapped.document.id).isEqualTo("42");
        ParsedRecord rewritten = read(
                flattened,
                "{\"id\":42}",
                "{\"id\":\"42\",\"body\":\"gone\",\"__deleted\":\"true\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(rewritten.document.op).isEqualTo(Document.DELETE);
        assertThat(rewritten.document.id).isEqualTo("42");
        // a plain key is still the id itself
        assertThat(read(flattened, "doc-1", null).document.id).isEqualTo("doc-1");
    }
}
