package dev.flinkembed.runtime.loading;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.runtime.bert.BertConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The native memory an in-process model takes in one JVM (a TaskManager), estimated from its config before any
 * weight is read: the weights, held once per JVM whatever the number of slots and jobs using them, and the working
 * memory of each model instance (one per slot): the activations of its forward passes running at a time (one or
 * two, {@link #forPasses}) of at most {@code batch.token-budget} padded tokens each, plus PyTorch's own buffers.
 *
 * <p>Working memory per instance, in float32: {@code B·(6h + 2i)} for the hidden states, projections and MLP of one
 * layer (layers run one at a time, see NdOps.layer) and {@code 2·heads·B·min(w, B)} for the attention scores and their
 * softmax, where B is the token budget, w the longest row (the model's max tokens), h the hidden and i the MLP size.
 * BERT-family models compute attention fused ({@link dev.flinkembed.runtime.encoder.FusedAttention}) and never hold
 * the scores; for them that term is left in as a margin.
 */
public record ModelFootprint(long weightBytes, long workingBytesPerInstance) {

    /** PyTorch/oneDNN scratch buffers, OpenMP thread stacks and the tokenizer, per instance (measured ~40 MB). */
    static final long RUNTIME_OVERHEAD_BYTES = 64L << 20;

    public static ModelFootprint estimate(ModelOptions options) {
        if (BuiltinModels.isBuiltin(options.model())) {
            BuiltinModel builtin = BuiltinModels.get(options.model());
            BertConfig c = builtin.config();
            int w = options.maxTokens() != null ? options.maxTokens() : builtin.maxTokens();
            return of(c, options.tokenBudget(), w);
        }
        Path config = Path.of(options.model()).resolve("config.json");
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(config.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(config + " is not readable JSON: " + e.getMessage(), e);
        }
        return ModelFamilies.require(json.path("model_type").asText(""), ModelTask.EMBED, config.toString())
                .footprint(json, config.toString(), options);
    }

    /** A BERT-family model's weights and working memory (w: its longest row). */
    static ModelFootprint of(BertConfig c, int tokenBudget, int w) {
        return new ModelFootprint(
                bertParameters(c) * 4, working(c.hiddenSize(), c.intermediateSize(), c.heads(), tokenBudget, w));
    }

    static long bertParameters(BertConfig c) {
        long h = c.hiddenSize();
        long i = c.intermediateSize();
        long embeddings = ((long) c.vocabSize() + c.maxPositions() + c.typeVocabSize()) * h + 2 * h;
        long layer = 4 * h * h + 4 * h + 2 * h * i + i + h + 4 * h;
        return embeddings + c.layers() * layer;
    }

    static long working(long hidden, long intermediate, long heads, long tokenBudget, long maxTokens) {
        long b = Math.max(tokenBudget, 1);
        return 4 * (b * (6 * hidden + 2 * intermediate) + 2 * heads * b * Math.min(maxTokens, b))
                + RUNTIME_OVERHEAD_BYTES;
    }

    /**
     * With {@code passes} forward passes of an instance running at a time ({@link NativeThreads#plan}): their
     * activations add up, PyTorch's buffers are counted once.
     */
    public ModelFootprint forPasses(int passes) {
        long activations = Math.max(0, workingBytesPerInstance - RUNTIME_OVERHEAD_BYTES);
        return workingBytesPerInstance == 0
                ? this
                : new ModelFootprint(weightBytes, activations * Math.max(1, passes) + RUNTIME_OVERHEAD_BYTES);
    }
}
