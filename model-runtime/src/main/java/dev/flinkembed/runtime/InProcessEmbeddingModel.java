package dev.flinkembed.runtime;

import dev.flinkembed.runtime.api.BatchStats;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.EmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingResult;
import dev.flinkembed.runtime.api.ModelInfo;
import dev.flinkembed.runtime.api.PreparedInput;
import dev.flinkembed.runtime.batching.BatchPlanner;
import dev.flinkembed.runtime.batching.PaddedBatch;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.loading.LoadedModel;
import dev.flinkembed.runtime.loading.ModelFootprint;
import dev.flinkembed.runtime.loading.ModelLoader;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.loading.PromptFormat;
import dev.flinkembed.runtime.loading.SharedModels;
import dev.flinkembed.runtime.loading.WeightsFingerprint;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An embedding model running in this JVM on DJL's PyTorch engine. Each instance (one per slot) leases the JVM's shared
 * weights; batching, pooling, Matryoshka truncation and normalisation are per instance.
 */
public final class InProcessEmbeddingModel implements EmbeddingModel {

    private record Prepared(TokenIds ids) implements PreparedInput {
        @Override
        public int tokenCount() {
            return ids.length();
        }

        @Override
        public boolean truncated() {
            return ids.truncated();
        }
    }

    private final SharedModels.Lease lease;
    private final LoadedModel loaded;
    private final ModelTokenizer tokenizer;
    private final PromptFormat prompt;
    private final Pooling pooling;
    private final boolean normalize;
    private final int dimensions;
    private final BatchPlanner planner;
    private final ModelInfo info;

    private InProcessEmbeddingModel(SharedModels.Lease lease, ModelOptions options) {
        this.lease = lease;
        this.loaded = lease.model();
        this.tokenizer = loaded.tokenizer();
        this.pooling = options.pooling() != null ? options.pooling() : loaded.pooling();
        this.normalize = options.normalize() != null ? options.normalize() : loaded.normalize();
        if (options.instruction() != null && loaded.instructions() == null) {
            throw new IllegalArgumentException("model '" + loaded.name() + "' takes no instruction (only "
                    + "instruction-tuned models such as Qwen3-Embedding do)");
        }
        String queryPrefix = options.queryPrefix() != null
                ? options.queryPrefix()
                : loaded.instructions() != null
                        ? loaded.instructions().queryPrefix(options.instruction())
                        : loaded.prompt().queryPrefix();
        this.prompt = new PromptFormat(
                queryPrefix,
                options.documentPrefix() != null
                        ? options.documentPrefix()
                        : loaded.prompt().documentPrefix());
        int hidden = loaded.encoder().hiddenSize();
        if (options.dimensions() != null && (options.dimensions() < 1 || options.dimensions() > hidden)) {
            throw new IllegalArgumentException("dimensions " + options.dimensions() + " out of range for "
                    + loaded.name() + ": allowed 1.." + hidden);
        }
        this.dimensions = options.dimensions() != null ? options.dimensions() : hidden;
        this.planner = new BatchPlanner(options.batching(), options.tokenBudget(), options.maxBatchSize());
        List<String> parts = new ArrayList<>(List.of(
                loaded.weightsFingerprint(),
                pooling.label(),
                prompt.describe(),
                "dimensions=" + dimensions,
                "normalize=" + normalize,
                "maxTokens=" + tokenizer.maxTokens(),
                "float16=" + (options.precision() == Precision.FP16)));
        if (options.precision() == Precision.INT8) {
            // A part of its own, so fp32 and fp16 fingerprints stay what indexes already record.
            parts.add("precision=int8");
        }
        String fingerprint = WeightsFingerprint.combine(parts.toArray(String[]::new));
        this.info = new ModelInfo(
                loaded.name(),
                loaded.architecture(),
                dimensions,
                pooling.label(),
                normalize,
                tokenizer.maxTokens(),
                fingerprint,
                options.precision().key());
    }

    /** Opens an instance, loading the weights unless another instance in this JVM already holds them. */
    public static InProcessEmbeddingModel open(ModelOptions options) {
        return open(options, SharedModels.Budget.NONE);
    }

    /**
     * As {@link #open(ModelOptions)}, failing with a {@link dev.flinkembed.runtime.loading.MemoryBudgetException}
     * before anything is loaded when the weights (if not yet loaded in this JVM) and this instance's working memory do
     * not fit {@code budget} next to the other models and instances of the JVM.
     */
    public static InProcessEmbeddingModel open(ModelOptions options, SharedModels.Budget budget) {
        return open(options, budget, 1);
    }

    /** As {@link #open(ModelOptions, SharedModels.Budget)} for an instance running {@code passes} forward passes at once. */
    public static InProcessEmbeddingModel open(ModelOptions options, SharedModels.Budget budget, int passes) {
        ModelFootprint footprint =
                budget.limited() ? ModelFootprint.estimate(options).forPasses(passes) : new ModelFootprint(0, 0);
        SharedModels.Lease lease = SharedModels.acquire(
                options.weightsKey(), options.model(), footprint, budget, () -> ModelLoader.load(options));
        try {
            return new InProcessEmbeddingModel(lease, options);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    /** NDArrays alive in the shared weights' manager (leak checks in tests). */
    public int liveArrays() {
        return loaded.encoder().liveArrays();
    }

    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    /** How texts are written before tokenization, by role (prefixes, instruction). */
    public PromptFormat prompt() {
        return prompt;
    }

    public Pooling pooling() {
        return pooling;
    }

    @Override
    public PreparedInput prepare(EmbeddingInput input) {
        return new Prepared(tokenizer.encode(prompt.format(input)));
    }

    @Override
    public List<int[]> passes(List<? extends PreparedInput> inputs) {
        return planner.plan(lengths(inputs));
    }

    private static int[] lengths(List<? extends PreparedInput> inputs) {
        int[] lengths = new int[inputs.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = inputs.get(i).tokenCount();
        }
        return lengths;
    }

    @Override
    public EmbeddingResult embedPrepared(List<? extends PreparedInput> inputs) {
        int n = inputs.size();
        int[] lengths = lengths(inputs);
        Embedding[] out = new Embedding[n];
        BatchStats stats = BatchStats.EMPTY;
        for (int[] pass : planner.plan(lengths)) {
            List<TokenIds> rows = new ArrayList<>(pass.length);
            for (int idx : pass) {
                rows.add(((Prepared) inputs.get(idx)).ids());
            }
            PaddedBatch batch = PaddedBatch.of(rows, loaded.padTokenId());
            long start = System.nanoTime();
            float[][] pooled = loaded.encoder().encode(batch, pooling);
            stats = stats.plus(new BatchStats(
                    pass.length, 1, batch.realTokens(), batch.paddedTokens(), System.nanoTime() - start));
            for (int j = 0; j < pass.length; j++) {
                out[pass[j]] = new Embedding(Vectors.finish(pooled[j], dimensions, normalize), lengths[pass[j]]);
            }
        }
        return new EmbeddingResult(Arrays.asList(out), stats);
    }

    @Override
    public void close() {
        lease.close();
    }
}
