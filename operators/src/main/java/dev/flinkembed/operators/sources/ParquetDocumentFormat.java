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
 * dead letters rather than a failed job), converting each row to a document or a dead letter. Splittable by row
 * groups: a split reads the row groups whose middle lies in its byte range — Parquet's own rule, and
 * {@link DocumentSplitter} cuts splits at row-group starts, so each row group is read by exactly one split.
 */
public final class ParquetDocumentFormat extends DocumentFileFormat {

    private final ParquetRecordConverter converter;

    public ParquetDocumentFormat(ParquetColumns columns) {
        this.converter = new ParquetRecordConverter(columns);
    }

    @Override
    public Reader<ParsedRecord> createReader(
            Configuration config, FSDataInputStream stream, long fileLen, long splitEnd) throws IOException {
        long splitStart = stream.getPos(); // the FileSource seeks to the split's offset before handing the stream over
        ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(
                        new ParquetInputFile(stream, fileLen))
                .withDataModel(GenericData.get())
                .withFileRange(splitStart, splitEnd)
                .build();
        return new Reader<>() {
            @Override
            public ParsedRecord read() throws IOException {
                GenericRecord record = reader.read();
                if (record == null) {
                    return null;
                }
                // The row's index in the file, whichever split reads it: dead letters name rows as the file numbers
                // them.
                return converter.convert(record, "parquet row " + reader.getCurrentRowIndex());
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }
}
