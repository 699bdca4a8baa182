package dev.flinkembed.operators.sources;

import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * A document format for a FileSource, read split by split ({@link DocumentSplitter} decides where splits start). A
 * split is restored by reading it again from its start — the FileSource then skips the records already emitted before
 * the checkpoint.
 */
abstract class DocumentFileFormat implements StreamFormat<ParsedRecord> {

    @Override
    public Reader<ParsedRecord> restoreReader(
            Configuration config, FSDataInputStream stream, long restoredOffset, long fileLen, long splitEnd)
            throws IOException {
        return createReader(config, stream, fileLen, splitEnd);
    }

    @Override
    public boolean isSplittable() {
        return true;
    }

    @Override
    public TypeInformation<ParsedRecord> getProducedType() {
        return TypeInformation.of(ParsedRecord.class);
    }
}
