package dev.flinkembed.operators.sources;

import java.io.Serializable;
import java.util.Map;

/**
 * The documents topic.
 *
 * @param startingOffsets {@code committed} (the group's offsets, earliest when it has none), {@code earliest} or
 *                        {@code latest}; a restore from a checkpoint always resumes at the checkpointed offsets
 * @param properties      extra Kafka consumer/producer properties (security, for instance), passed through
 */
public record KafkaSourceOptions(
        String bootstrapServers, String topic, String groupId, String startingOffsets, Map<String, String> properties)
        implements Serializable {}
