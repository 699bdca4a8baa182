package dev.flinkembed.operators.sources;

import java.io.Serializable;
import java.util.Map;

/**
 * The documents topic.
 *
 * @param startingOffsets {@code committed} (the group's offsets, earliest when it has none), {@code earliest} or
 *                        {@code latest}; a restore from a checkpoint always resumes at the checkpointed offsets
 * @param properties      Kafka consumer properties (security, tuning), passed through; secrets in them are config
 *                        provider references ({@code ${env:NAME}}), resolved where the consumer starts
 * @param format          {@code json} or {@code debezium-json} (see {@link KafkaDocumentDeserializer})
 * @param fields          where the document is in a message
 */
public record KafkaSourceOptions(
        String bootstrapServers,
        String topic,
        String groupId,
        String startingOffsets,
        Map<String, String> properties,
        String format,
        DocumentFields fields)
        implements Serializable {}
