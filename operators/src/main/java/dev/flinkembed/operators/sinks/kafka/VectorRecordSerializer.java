package dev.flinkembed.operators.sinks.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.records.EmbeddedChunk;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A chunk as a JSON Kafka record keyed by document id (so a document's records stay in order in one partition):
 * {@code {"op":"upsert","doc_id","chunk_index","chunk_count","text",...,"embedding":[...]}}, or
 * {@code {"op":"delete","doc_id"}} when the document was deleted. Same snake_case names as the Parquet and pgvector
 * outputs.
 */
final class VectorRecordSerializer implements KafkaRecordSerializationSchema<EmbeddedChunk> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;

    VectorRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(EmbeddedChunk e, KafkaSinkContext context, Long timestamp) {
        ObjectNode n = JSON.createObjectNode();
        n.put("op", e.isDeletion() ? "delete" : "upsert");
        n.put("doc_id", e.docId);
        if (!e.isDeletion()) {
            n.put("chunk_index", e.chunkIndex);
            n.put("chunk_count", e.chunkCount);
            n.put("text", e.text);
            if (e.title != null) {
                n.put("title", e.title);
            }
            if (e.metadata != null) {
                n.set("metadata", JSON.valueToTree(e.metadata));
            }
            n.put("start_char", e.startChar);
            n.put("end_char", e.endChar);
            n.put("token_count", e.tokenCount);
            n.put("content_hash", e.contentHash);
            n.put("model", e.model);
            n.put("model_fingerprint", e.modelFingerprint);
            ArrayNode v = n.putArray("embedding");
            for (float f : e.embedding) {
                v.add(f);
            }
        }
        n.put("embedded_at", Instant.ofEpochMilli(e.embeddedAt).toString());
        return new ProducerRecord<>(
                topic, e.docId.getBytes(StandardCharsets.UTF_8), n.toString().getBytes(StandardCharsets.UTF_8));
    }
}
