package dev.flinkembed.runtime.api;

import java.util.List;
import java.util.stream.IntStream;

/**
 * An embedding model instance: one per Flink slot (or per server worker). Instances of the same model in one JVM share
 * one copy of the weights. Not thread-safe: one caller at a time.
 */
public interface EmbeddingModel extends AutoCloseable {

    ModelInfo info();

    /** Applies the role's prompt format and tokenizes (truncating to the model's limit). Cheap; any thread. */
    PreparedInput prepare(EmbeddingInput input);

    /** Embeds prepared inputs, batching them as the model sees fit; results in input order. */
    EmbeddingResult embedPrepared(List<? extends PreparedInput> inputs);

    /**
     * How {@link #embedPrepared} would split {@code inputs} into forward passes, as indices into {@code inputs}; each
     * group given to {@link #embedPrepared} on its own runs as that one pass. Lets a caller run the passes of one
     * batch on several threads. Default: a single pass.
     */
    default List<int[]> passes(List<? extends PreparedInput> inputs) {
        return List.of(IntStream.range(0, inputs.size()).toArray());
    }

    default EmbeddingResult embed(List<EmbeddingInput> inputs) {
        return embedPrepared(inputs.stream().map(this::prepare).toList());
    }

    @Override
    void close();
}
