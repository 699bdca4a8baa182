package dev.flinkembed.operators.sinks;

import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;

/** Dead letters as JSON Lines files under a directory (one object a line: reason, source, original, at). */
public final class DeadLetterSink {

    private DeadLetterSink() {}

    public static FileSink<String> create(String directory) {
        return FileSink.forRowFormat(new Path(directory), new SimpleStringEncoder<String>("UTF-8"))
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withOutputFileConfig(OutputFileConfig.builder()
                        .withPartPrefix("dead-letter")
                        .withPartSuffix(".jsonl")
                        .build())
                .build();
    }
}
