package dev.flinkembed.operators.sources;

import java.io.IOException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * Reads Parquet files for a FileSource, each in its own schema (so a file whose text column has the wrong type yields
 * dead letters rather than a failed job), converting each row to a document or a dead letter.
 */
public final class ParquetDocumentFormat extends DocumentFileFormat {

    private final ParquetRecordConverter converter;

    public ParquetDocumentFormat(ParquetColumns columns) {
        this.converter = new ParquetRecordConverter(columns);
    }

    @Override
    public Reader<ParsedRecord> createReader(Configuration config, FSDataInputStream stream, long fileLen,
                                             long splitEnd) throws IOException {
        ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new ParquetInputFile(stream, fileLen))
                .withDataModel(GenericData.get())
                .build();
        String source = "parquet";
        return new Reader<>() {
            private long row;

            @Override
            public ParsedRecord read() throws IOException {
                GenericRecord record = reader.read();
                if (record == null) {
                    return null;
                }
                return converter.convert(record, source + " row " + row++);
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }
}
