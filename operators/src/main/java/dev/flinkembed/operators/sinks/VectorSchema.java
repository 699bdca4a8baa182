package dev.flinkembed.operators.sinks;

import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.records.IndexedChunk;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** The Parquet (Avro) schema of the vectors output: one row per chunk, snake_case column names. */
public final class VectorSchema {

    public static final Schema SCHEMA = SchemaBuilder.record("EmbeddedChunk")
            .namespace("dev.flinkembed")
            .fields()
            .requiredString("doc_id")
            .requiredInt("chunk_index")
            .requiredInt("chunk_count")
            .requiredString("text")
            .requiredInt("start_char")
            .requiredInt("end_char")
            .requiredInt("token_count")
            .requiredString("content_hash")
            .optionalString("title")
            .name("metadata")
            .type()
            .optional()
            .map()
            .values()
            .stringType()
            .name("embedding")
            .type()
            .array()
            .items()
            .floatType()
            .noDefault()
            .requiredString("model")
            .requiredString("model_fingerprint")
            .name("embedded_at")
            .type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)))
            .noDefault()
            .endRecord();

    /**
     * The stream job's Parquet change log: the same columns (nullable where a delete has nothing: text, hash, vector,
     * model) plus {@code op} ({@code upsert} | {@code delete}) and the Kafka position of the change that made the row.
     */
    public static final Schema CHANGELOG_SCHEMA = SchemaBuilder.record("EmbeddedChunkChange")
            .namespace("dev.flinkembed")
            .fields()
            .requiredString("op")
            .requiredString("doc_id")
            .requiredInt("chunk_index")
            .requiredInt("chunk_count")
            .optionalString("text")
            .requiredInt("start_char")
            .requiredInt("end_char")
            .requiredInt("token_count")
            .optionalString("content_hash")
            .optionalString("title")
            .name("metadata")
            .type()
            .optional()
            .map()
            .values()
            .stringType()
            .name("embedding")
            .type()
            .optional()
            .array()
            .items()
            .floatType()
            .optionalString("model")
            .optionalString("model_fingerprint")
            .name("embedded_at")
            .type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)))
            .noDefault()
            .requiredInt("source_partition")
            .requiredLong("source_offset")
            .endRecord();

    private VectorSchema() {}

    /** A change-log row: an upsert of one chunk, or the one delete row of a document. */
    public static GenericRecord toChangelogRecord(EmbeddedChunk c) {
        GenericData.Record r = new GenericData.Record(CHANGELOG_SCHEMA);
        boolean delete = c.isDeletion();
        r.put("op", delete ? "delete" : "upsert");
        r.put("doc_id", c.docId);
        r.put("chunk_index", delete ? -1 : c.chunkIndex);
        r.put("chunk_count", c.chunkCount);
        r.put("text", c.text);
        r.put("start_char", c.startChar);
        r.put("end_char", c.endChar);
        r.put("token_count", c.tokenCount);
        r.put("content_hash", c.contentHash);
        r.put("title", c.title);
        r.put("metadata", c.metadata);
        r.put("embedding", c.embedding == null ? null : floats(c.embedding));
        r.put("model", c.model);
        r.put("model_fingerprint", c.modelFingerprint);
        r.put("embedded_at", c.embeddedAt);
        r.put("source_partition", c.sourcePartition);
        r.put("source_offset", c.sourceOffset);
        return r;
    }

    private static List<Float> floats(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    /** A row of an earlier output, as the reindex join takes it (with its vector). */
    public static IndexedChunk toIndexedChunk(GenericRecord r) {
        IndexedChunk c = IndexedChunk.of(
                r.get("doc_id").toString(),
                (Integer) r.get("chunk_index"),
                (Integer) r.get("chunk_count"),
                (Integer) r.get("start_char"),
                (Integer) r.get("end_char"),
                r.get("content_hash").toString(),
                r.get("model_fingerprint").toString());
        List<?> vector = (List<?>) r.get("embedding");
        c.embedding = new float[vector.size()];
        for (int i = 0; i < c.embedding.length; i++) {
            c.embedding[i] = ((Number) vector.get(i)).floatValue();
        }
        c.tokenCount = (Integer) r.get("token_count");
        c.model = r.get("model").toString();
        Object at = r.get("embedded_at");
        c.embeddedAt = at instanceof Instant i ? i.toEpochMilli() : ((Number) at).longValue();
        return c;
    }

    public static GenericRecord toRecord(EmbeddedChunk c) {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("doc_id", c.docId);
        r.put("chunk_index", c.chunkIndex);
        r.put("chunk_count", c.chunkCount);
        r.put("text", c.text);
        r.put("start_char", c.startChar);
        r.put("end_char", c.endChar);
        r.put("token_count", c.tokenCount);
        r.put("content_hash", c.contentHash);
        r.put("title", c.title);
        r.put("metadata", c.metadata);
        r.put("embedding", floats(c.embedding));
        r.put("model", c.model);
        r.put("model_fingerprint", c.modelFingerprint);
        r.put("embedded_at", c.embeddedAt);
        return r;
    }
}
