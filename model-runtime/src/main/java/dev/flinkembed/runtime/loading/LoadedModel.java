package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.encoder.Encoder;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.scoring.Scorer;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;

/**
 * A model's weights, tokenizer and defaults as found on disk (a scoring model: with its {@link Scorer}, else null): one per JVM, shared by every instance (see
 * {@link SharedModels}).
 */
public record LoadedModel(
        String name,
        String architecture,
        Encoder encoder,
        ModelTokenizer tokenizer,
        Pooling pooling,
        boolean normalize,
        PromptFormat prompt,
        long padTokenId,
        String weightsFingerprint,
        Instructions instructions,
        Scorer scorer)
        implements AutoCloseable {

    /** An embedding model: no scoring head. */
    public LoadedModel(
            String name,
            String architecture,
            Encoder encoder,
            ModelTokenizer tokenizer,
            Pooling pooling,
            boolean normalize,
            PromptFormat prompt,
            long padTokenId,
            String weightsFingerprint,
            Instructions instructions) {
        this(
                name,
                architecture,
                encoder,
                tokenizer,
                pooling,
                normalize,
                prompt,
                padTokenId,
                weightsFingerprint,
                instructions,
                null);
    }

    /**
     * How an instruction-tuned model formats queries: {@code template} with %s for the instruction, and the
     * instruction used when none is configured. Null for models that take no instruction.
     */
    public record Instructions(String template, String defaultInstruction) {
        public String queryPrefix(String instruction) {
            return template.formatted(instruction == null ? defaultInstruction : instruction);
        }
    }

    @Override
    public void close() {
        encoder.close();
        tokenizer.close();
    }
}
