package dev.flinkembed.operators.sinks;

import dev.flinkembed.operators.records.EmbeddedChunk;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * A ParquetWriter of embedded chunks: Avro's write support under a converter, standard 3-level lists for the
 * embedding, and key-value file metadata naming the model set-up.
 */
final class ParquetVectorWriter {

    /**
     * Parquet's writer holds a whole row group in heap until it flushes it; at Parquet's default (128 MiB) two slots of
     * a default TaskManager (384 MiB of task heap) ran out of heap a minute into a million-document bulk job. 32 MiB is
     * about 20,000 chunks with 384-dimensional vectors: still long sequential reads, and a quarter of the heap.
     */
    static final long ROW_GROUP_BYTES = 32L << 20;

    private ParquetVectorWriter() {}

    static ParquetWriter<EmbeddedChunk> create(OutputFile out, Map<String, String> fileMetadata) throws IOException {
        return create(out, fileMetadata, VectorSchema.SCHEMA, VectorSchema::toRecord);
    }

    /** The stream job's change log: {@link VectorSchema#CHANGELOG_SCHEMA}. */
    static ParquetWriter<EmbeddedChunk> createChangelog(OutputFile out, Map<String, String> fileMetadata)
            throws IOException {
        return create(out, fileMetadata, VectorSchema.CHANGELOG_SCHEMA, VectorSchema::toChangelogRecord);
    }

    private static ParquetWriter<EmbeddedChunk> create(
            OutputFile out,
            Map<String, String> fileMetadata,
            Schema schema,
            Function<EmbeddedChunk, GenericRecord> toRecord)
            throws IOException {
        return new Builder(out, fileMetadata, schema, toRecord)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withRowGroupSize(ROW_GROUP_BYTES)
                .config(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false")
                .build();
    }

    private static final class Builder extends ParquetWriter.Builder<EmbeddedChunk, Builder> {
        private final Map<String, String> fileMetadata;
        private final Schema schema;
        private final Function<EmbeddedChunk, GenericRecord> toRecord;

        Builder(
                OutputFile out,
                Map<String, String> fileMetadata,
                Schema schema,
                Function<EmbeddedChunk, GenericRecord> toRecord) {
            super(out);
            this.fileMetadata = fileMetadata;
            this.schema = schema;
            this.toRecord = toRecord;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<EmbeddedChunk> getWriteSupport(Configuration conf) {
            return new ChunkWriteSupport(fileMetadata, schema, toRecord);
        }
    }

    private static final class ChunkWriteSupport extends WriteSupport<EmbeddedChunk> {
        private AvroWriteSupport<GenericRecord> avro;
        private final Map<String, String> fileMetadata;
        private final Schema schema;
        private final Function<EmbeddedChunk, GenericRecord> toRecord;

        ChunkWriteSupport(
                Map<String, String> fileMetadata, Schema schema, Function<EmbeddedChunk, GenericRecord> toRecord) {
            this.fileMetadata = fileMetadata;
            this.schema = schema;
            this.toRecord = toRecord;
        }

        @Override
        public WriteContext init(Configuration configuration) {
            // The Parquet schema must be converted with the same list setting the write support uses.
            avro = new AvroWriteSupport<>(
                    new AvroSchemaConverter(configuration).convert(schema), schema, GenericData.get());
            WriteContext inner = avro.init(configuration);
            Map<String, String> meta = new HashMap<>(inner.getExtraMetaData());
            meta.putAll(fileMetadata);
            return new WriteContext(inner.getSchema(), meta);
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            avro.prepareForWrite(recordConsumer);
        }

        @Override
        public void write(EmbeddedChunk record) {
            avro.write(toRecord.apply(record));
        }
    }
}
