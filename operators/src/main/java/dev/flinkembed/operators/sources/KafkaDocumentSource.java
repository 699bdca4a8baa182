package dev.flinkembed.operators.sources;

import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** The Kafka source of document changes (offsets committed back to Kafka on checkpoints, for monitoring). */
public final class KafkaDocumentSource {

    private KafkaDocumentSource() {}

    @SuppressWarnings("deprecation") // OffsetResetStrategy: what this connector version's API takes
    public static KafkaSource<ParsedRecord> create(KafkaSourceOptions o) {
        OffsetsInitializer start = switch (o.startingOffsets()) {
            case "earliest" -> OffsetsInitializer.earliest();
            case "latest" -> OffsetsInitializer.latest();
            default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
        KafkaSourceBuilder<ParsedRecord> b = KafkaSource.<ParsedRecord>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setTopics(o.topic())
                .setGroupId(o.groupId())
                .setStartingOffsets(start)
                .setDeserializer(new KafkaDocumentDeserializer(o.format(), o.fields()))
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setProperty("isolation.level", "read_committed");
        o.properties().forEach(b::setProperty);
        return b.build();
    }
}
