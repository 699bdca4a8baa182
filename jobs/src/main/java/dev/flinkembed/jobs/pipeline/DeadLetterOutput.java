package dev.flinkembed.jobs.pipeline;

import dev.flinkembed.operators.metrics.CountDeadLetters;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.sinks.DeadLetterSink;
import dev.flinkembed.operators.sinks.kafka.KafkaSinkOptions;
import dev.flinkembed.operators.sinks.kafka.KafkaSinks;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;

/** Where every job's dead letters go, counted per stage and kind on the way ({@link CountDeadLetters}). */
public final class DeadLetterOutput {

    private DeadLetterOutput() {}

    /** JSON Lines files under {@code directory} (bulk, reindex). */
    public static DataStreamSink<String> toFiles(DataStream<DeadLetter> letters, Path directory) {
        return counted(letters)
                .map(DeadLetter::toJsonLine)
                .name("dead letters to JSON")
                .sinkTo(DeadLetterSink.create(directory.toString()))
                .name("write dead letters");
    }

    /** The dead-letter topic, in the checkpoint's transaction (stream). */
    public static void toKafka(DataStream<DeadLetter> letters, KafkaSinkOptions options) {
        counted(letters)
                .sinkTo(KafkaSinks.deadLetters(options))
                .name("dead letters " + options.topic())
                .uid("dead-letter-sink");
    }

    private static DataStream<DeadLetter> counted(DataStream<DeadLetter> letters) {
        return letters.map(new CountDeadLetters()).name("count dead letters").uid("count-dead-letters");
    }

    /** Dead letters of a finished run per "stage/kind", from its accumulators. */
    public static Map<String, Long> counts(Map<String, Object> accumulators) {
        Map<String, Long> out = new TreeMap<>();
        accumulators.forEach((name, value) -> {
            if (name.startsWith(CountDeadLetters.PREFIX) && value instanceof Number n) {
                out.put(name.substring(CountDeadLetters.PREFIX.length()), n.longValue());
            }
        });
        return out;
    }
}
