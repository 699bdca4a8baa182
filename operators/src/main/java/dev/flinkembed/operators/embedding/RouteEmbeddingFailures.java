package dev.flinkembed.operators.embedding;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Chunks the backend refused go to the dead letters (with the chunk, so it can be fixed and replayed). */
public final class RouteEmbeddingFailures extends ProcessFunction<EmbeddedChunk, EmbeddedChunk> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void processElement(EmbeddedChunk e, Context ctx, Collector<EmbeddedChunk> out) {
        if (e.error == null) {
            out.collect(e);
            return;
        }
        ObjectNode original = JSON.createObjectNode()
                .put("doc_id", e.docId)
                .put("chunk_index", e.chunkIndex)
                .put("chunk_count", e.chunkCount)
                .put("start_char", e.startChar)
                .put("end_char", e.endChar)
                .put("text", e.text);
        ctx.output(
                DeadLetters.TAG,
                DeadLetter.of(
                                DeadLetter.EMBED,
                                e.errorKind,
                                "embedding refused: " + e.error + " (chunk " + e.chunkIndex + " of " + e.chunkCount
                                        + ")",
                                "embed " + e.docId + "#" + e.chunkIndex,
                                original.toString())
                        .forDocument(e.docId));
    }
}
