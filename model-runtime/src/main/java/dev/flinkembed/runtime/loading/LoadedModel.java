package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.encoder.Encoder;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;

/**
 * A model's weights, tokenizer and defaults as found on disk: one per JVM, shared by every instance (see
 * {@link SharedModels}).
 */
public record LoadedModel(String name, String architecture, Encoder encoder, ModelTokenizer tokenizer,
                          Pooling pooling, boolean normalize, PromptFormat prompt, long padTokenId,
                          String weightsFingerprint) implements AutoCloseable {

    @Override
    public void close() {
        encoder.close();
        tokenizer.close();
    }
}
