package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.batching.BatchPlanner;
import dev.flinkembed.runtime.encoder.Precision;
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
        Precision precision,
        BatchPlanner.Strategy batching,
        int tokenBudget,
        int maxBatchSize)
        implements Serializable {

    public static final String DEFAULT_MODEL = BuiltinModels.ALL_MINILM_L6_V2;
    public static final int DEFAULT_TOKEN_BUDGET = 1024;
    public static final int DEFAULT_MAX_BATCH_SIZE = 64;

    public ModelOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(precision, "precision");
    }

    /** The model folder's own settings and the default batching: what {@code builder(model).build()} gives. */
    public static ModelOptions defaults(String model) {
        return builder(model).build();
    }

    public static Builder builder(String model) {
        return new Builder(model);
    }

    public Builder toBuilder() {
        return copyTo(model);
    }

    private Builder copyTo(String location) {
        return new Builder(location)
                .pooling(pooling)
                .normalize(normalize)
                .maxTokens(maxTokens)
                .dimensions(dimensions)
                .queryPrefix(queryPrefix)
                .documentPrefix(documentPrefix)
                .instruction(instruction)
                .precision(precision)
                .batching(batching, tokenBudget, maxBatchSize);
    }

    /** The same options for the model at another location (e.g. the local copy of a remote model folder). */
    public ModelOptions withModel(String location) {
        return copyTo(location).build();
    }

    public ModelOptions withDimensions(Integer d) {
        return toBuilder().dimensions(d).build();
    }

    public ModelOptions withInstruction(String i) {
        return toBuilder().instruction(i).build();
    }

    public ModelOptions withMaxTokens(Integer max) {
        return toBuilder().maxTokens(max).build();
    }

    public ModelOptions withBatching(BatchPlanner.Strategy s, int budget, int maxSize) {
        return toBuilder().batching(s, budget, maxSize).build();
    }

    /** The precision of the linear layers (see {@link Precision}); norms and softmax stay float32. */
    public ModelOptions withPrecision(Precision p) {
        return toBuilder().precision(p).build();
    }

    /** Null for any override means "what the model folder says"; batching defaults to token budgets. */
    public static final class Builder {
        private final String model;
        private Pooling pooling;
        private Boolean normalize;
        private Integer maxTokens;
        private Integer dimensions;
        private String queryPrefix;
        private String documentPrefix;
        private String instruction;
        private Precision precision = Precision.FP32;
        private BatchPlanner.Strategy batching = BatchPlanner.Strategy.TOKEN_BUDGET;
        private int tokenBudget = DEFAULT_TOKEN_BUDGET;
        private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;

        private Builder(String model) {
            this.model = model;
        }

        public Builder pooling(Pooling p) {
            this.pooling = p;
            return this;
        }

        public Builder normalize(Boolean n) {
            this.normalize = n;
            return this;
        }

        public Builder maxTokens(Integer max) {
            this.maxTokens = max;
            return this;
        }

        public Builder dimensions(Integer d) {
            this.dimensions = d;
            return this;
        }

        public Builder queryPrefix(String p) {
            this.queryPrefix = p;
            return this;
        }

        public Builder documentPrefix(String p) {
            this.documentPrefix = p;
            return this;
        }

        public Builder instruction(String i) {
            this.instruction = i;
            return this;
        }

        public Builder precision(Precision p) {
            this.precision = p;
            return this;
        }

        public Builder batching(BatchPlanner.Strategy strategy, int budget, int maxSize) {
            this.batching = strategy;
            this.tokenBudget = budget;
            this.maxBatchSize = maxSize;
            return this;
        }

        public ModelOptions build() {
            return new ModelOptions(
                    model,
                    pooling,
                    normalize,
                    maxTokens,
                    dimensions,
                    queryPrefix,
                    documentPrefix,
                    instruction,
                    precision,
                    batching,
                    tokenBudget,
                    maxBatchSize);
        }
    }

    /** What decides the loaded weights and tokenizer: instances with the same key share them. */
    public String weightsKey() {
        return model + "|maxTokens=" + maxTokens + (precision == Precision.FP32 ? "" : "|" + precision.key());
    }
}
