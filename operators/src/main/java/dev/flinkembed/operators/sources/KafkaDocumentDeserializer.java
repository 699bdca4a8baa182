package dev.flinkembed.operators.sources;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka message → document or dead letter. The value is a JSON document (see {@link JsonDocumentParser}), where a
 * tombstone (null value) with a key deletes the document with that id, as in a compacted topic; or a Debezium change
 * event ({@link DebeziumEnvelopeParser}). Dead letters keep the
 * original key and bytes and name the message as {@code topic/partition@offset}. Never throws: a poison message must
 * not stop the stream.
 */
public final class KafkaDocumentDeserializer implements KafkaRecordDeserializationSchema<ParsedRecord> {

    /** What the documents topic holds: {@code json} (flink-embed's documents, or objects mapped by fields). */
    public static final String JSON = "json";

    /** Debezium change events ({@link DebeziumEnvelopeParser}). */
    public static final String DEBEZIUM_JSON = "debezium-json";

    private final JsonDocumentParser json;
    private final DebeziumEnvelopeParser debezium;
    private final DocumentFields fields;

    public KafkaDocumentDeserializer() {
        this(JSON, DocumentFields.DEFAULT);
    }

    /** {@code format}: {@link #JSON} or {@link #DEBEZIUM_JSON}; {@code fields}: where the document is in a message. */
    public KafkaDocumentDeserializer(String format, DocumentFields fields) {
        this.fields = fields;
        switch (format) {
            case JSON -> {
                this.json = new JsonDocumentParser(fields);
                this.debezium = null;
            }
            case DEBEZIUM_JSON -> {
                this.json = null;
                this.debezium = new DebeziumEnvelopeParser(fields);
            }
            default -> throw new IllegalArgumentException("unknown message format " + format);
        }
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ParsedRecord> out) {
        String where = record.topic() + "/" + record.partition() + "@" + record.offset();
        ParsedRecord parsed;
        if (debezium != null) {
            parsed = debezium.parse(record.key(), record.value(), where);
        } else if (record.value() == null) {
            parsed = tombstone(record.key(), fields, where);
        } else {
            parsed = json.parse(record.value(), where);
        }
        if (parsed.deadLetter != null) {
            parsed.deadLetter.key = record.key();
        } else {
            parsed.document.sourcePartition = record.partition();
            parsed.document.sourceOffset = record.offset();
        }
        out.collect(parsed);
    }

    /**
     * A null value deletes the document its key names, when the key is one (UTF-8, an admissible id): the key's text,
     * or, for a JSON object key (Kafka Connect's, as Debezium's ExtractNewRecordState leaves it), the id made of it.
     */
    private static ParsedRecord tombstone(byte[] key, DocumentFields fields, String where) {
        if (key == null || key.length == 0) {
            return ParsedRecord.dead(DeadLetter.of(
                    DeadLetter.PARSE,
                    JsonDocumentParser.MISSING_FIELD,
                    "tombstone (null value) without a key: nothing to delete",
                    where,
                    ""));
        }
        String id = JsonDocumentParser.utf8(key);
        if (id == null) {
            return ParsedRecord.dead(DeadLetter.of(
                    DeadLetter.PARSE,
                    DocumentPolicy.BAD_ID,
                    "tombstone whose key is not valid UTF-8: it names no document",
                    where,
                    ""));
        }
        if (id.startsWith("{")) {
            try {
                String fromJson = DebeziumEnvelopeParser.idOfJsonKey(id, fields.id());
                if (fromJson != null) {
                    id = fromJson;
                }
            } catch (DocumentFields.Invalid e) {
                return JsonDocumentParser.dead(
                        e.problem.kind(), "tombstone (null value): " + e.problem.reason(), where, "");
            }
        }
        return JsonDocumentParser.admit(new Document(id, null, null, null, Document.DELETE), where, "");
    }

    @Override
    public TypeInformation<ParsedRecord> getProducedType() {
        return TypeInformation.of(ParsedRecord.class);
    }
}
