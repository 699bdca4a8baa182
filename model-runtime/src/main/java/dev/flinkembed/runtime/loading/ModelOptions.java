package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.batching.BatchPlanner;
import dev.flinkembed.runtime.pooling.Pooling;
import java.io.Serializable;
import java.util.Objects;

/**
 * Everything that decides which model runs and how: {@code model} is {@code builtin:all-minilm-l6-v2} or a Hugging
 * Face model folder. Null overrides mean "what the model folder says". Serializable: Flink ships it to every slot.
 */
public record ModelOptions(
        String model,
        Pooling pooling,
        Boolean normalize,
        Integer maxTokens,
        Integer dimensions,
        String queryPrefix,
        String documentPrefix,
        String instruction,
        boolean float16,
        BatchPlanner.Strategy batching,
        int tokenBudget,
        int maxBatchSize) implements Serializable {

    public static final String DEFAULT_MODEL = BuiltinModels.ALL_MINILM_L6_V2;
    public static final int DEFAULT_TOKEN_BUDGET = 1024;
    public static final int DEFAULT_MAX_BATCH_SIZE = 64;

    public ModelOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(batching, "batching");
    }

    public static ModelOptions defaults(String model) {
        return new ModelOptions(model, null, null, null, null, null, null, null, false,
                BatchPlanner.Strategy.TOKEN_BUDGET, DEFAULT_TOKEN_BUDGET, DEFAULT_MAX_BATCH_SIZE);
    }

    public ModelOptions withDimensions(Integer d) {
        return new ModelOptions(model, pooling, normalize, maxTokens, d, queryPrefix, documentPrefix, instruction,
                float16, batching, tokenBudget, maxBatchSize);
    }

    public ModelOptions withInstruction(String i) {
        return new ModelOptions(model, pooling, normalize, maxTokens, dimensions, queryPrefix, documentPrefix, i,
                float16, batching, tokenBudget, maxBatchSize);
    }

    public ModelOptions withMaxTokens(Integer max) {
        return new ModelOptions(model, pooling, normalize, max, dimensions, queryPrefix, documentPrefix, instruction,
                float16, batching, tokenBudget, maxBatchSize);
    }

    public ModelOptions withBatching(BatchPlanner.Strategy s, int budget, int maxSize) {
        return new ModelOptions(model, pooling, normalize, maxTokens, dimensions, queryPrefix, documentPrefix,
                instruction, float16, s, budget, maxSize);
    }

    /** Float16 weights and matrix products (half the memory), norms and softmax still in float32. */
    public ModelOptions withFloat16(boolean f16) {
        return new ModelOptions(model, pooling, normalize, maxTokens, dimensions, queryPrefix, documentPrefix,
                instruction, f16, batching, tokenBudget, maxBatchSize);
    }

    /** What decides the loaded weights and tokenizer: instances with the same key share them. */
    public String weightsKey() {
        return model + "|maxTokens=" + maxTokens + (float16 ? "|float16" : "");
    }
}
