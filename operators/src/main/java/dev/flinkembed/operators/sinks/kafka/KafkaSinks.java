package dev.flinkembed.operators.sinks.kafka;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;

/** Kafka sinks for vectors and dead letters, with the delivery guarantee the options ask for. */
public final class KafkaSinks {

    private KafkaSinks() {}

    public static KafkaSink<EmbeddedChunk> vectors(KafkaSinkOptions o) {
        return build(o, new VectorRecordSerializer(o.topic()));
    }

    public static KafkaSink<DeadLetter> deadLetters(KafkaSinkOptions o) {
        String max = o.properties().get("max.request.size");
        // a config-provider reference is resolved only in the producer: then the dead letters keep the default bound
        boolean number = max != null && max.trim().matches("\\d+");
        return build(
                o,
                new DeadLetterRecordSerializer(
                        o.topic(),
                        number ? Integer.parseInt(max.trim()) : DeadLetterRecordSerializer.DEFAULT_MAX_REQUEST_SIZE));
    }

    private static <T> KafkaSink<T> build(KafkaSinkOptions o, KafkaRecordSerializationSchema<T> serializer) {
        KafkaSinkBuilder<T> b = KafkaSink.<T>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(
                        o.exactlyOnce() ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE);
        if (o.exactlyOnce()) {
            b.setTransactionalIdPrefix(o.transactionalIdPrefix())
                    .setProperty("transaction.timeout.ms", Long.toString(o.transactionTimeoutMillis()));
        }
        o.properties().forEach(b::setProperty);
        return b.build();
    }
}
