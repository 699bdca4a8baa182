package dev.flinkembed.operators.sinks.kafka;

import java.io.Serializable;
import java.util.Map;

/**
 * A topic to write to.
 *
 * @param exactlyOnce           Kafka transactions committed on checkpoints (readers with read_committed see each
 *                              record once); needs checkpointing; otherwise at-least-once
 * @param transactionalIdPrefix unique per job writing to this cluster (Flink derives the transactional ids from it)
 */
public record KafkaSinkOptions(
        String bootstrapServers,
        String topic,
        boolean exactlyOnce,
        String transactionalIdPrefix,
        long transactionTimeoutMillis,
        Map<String, String> properties)
        implements Serializable {}
