package dev.flinkembed.runtime;

import dev.flinkembed.runtime.api.Score;
import dev.flinkembed.runtime.api.ScoringInfo;
import dev.flinkembed.runtime.api.ScoringModel;
import dev.flinkembed.runtime.batching.BatchPlanner;
import dev.flinkembed.runtime.batching.PaddedBatch;
import dev.flinkembed.runtime.loading.LoadedModel;
import dev.flinkembed.runtime.loading.ModelLoader;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.loading.SharedModels;
import dev.flinkembed.runtime.loading.WeightsFingerprint;
import dev.flinkembed.runtime.scoring.Scorer;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reranker running in this JVM: the pairs through the model's template, batched by tokens like embeddings, one
 * forward pass per batch, the model's head on the pooled hidden state. Instances of the same model share the weights.
 */
public final class InProcessScoringModel implements ScoringModel {

    private final SharedModels.Lease lease;
    private final LoadedModel loaded;
    private final Scorer scorer;
    private final String instruction;
    private final BatchPlanner planner;
    private final ScoringInfo info;

    private InProcessScoringModel(SharedModels.Lease lease, ModelOptions options) {
        this.lease = lease;
        this.loaded = lease.model();
        this.scorer = loaded.scorer();
        if (options.instruction() != null && !scorer.template().takesInstruction()) {
            throw new IllegalArgumentException("reranker '" + loaded.name() + "' takes no instruction (a "
                    + "cross-encoder); only instruction-tuned rerankers such as Qwen3-Reranker do");
        }
        this.instruction = options.instruction();
        this.planner = new BatchPlanner(options.batching(), options.tokenBudget(), options.maxBatchSize());
        this.info = new ScoringInfo(
                loaded.name(),
                loaded.architecture(),
                loaded.tokenizer().maxTokens(),
                WeightsFingerprint.combine(
                        loaded.weightsFingerprint(),
                        loaded.architecture(),
                        "instruction=" + instruction,
                        "maxTokens=" + loaded.tokenizer().maxTokens(),
                        "precision=" + options.precision().key()),
                options.precision().key());
    }

    /** Opens an instance, loading the weights unless another instance in this JVM already holds them. */
    public static InProcessScoringModel open(ModelOptions options) {
        SharedModels.Lease lease =
                SharedModels.acquire("score|" + options.weightsKey(), () -> ModelLoader.loadScorer(options));
        try {
            return new InProcessScoringModel(lease, options);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    @Override
    public ScoringInfo info() {
        return info;
    }

    public ModelTokenizer tokenizer() {
        return loaded.tokenizer();
    }

    /** The pair's token ids as the model reads them (template, truncation). */
    public TokenIds encode(String query, String document) {
        return scorer.template().encode(instruction, query, document);
    }

    @Override
    public List<Score> score(String query, List<String> documents) {
        List<TokenIds> pairs = new ArrayList<>(documents.size());
        for (String d : documents) {
            pairs.add(encode(query, d));
        }
        return scorePairs(pairs);
    }

    /** Scores encoded pairs (see {@link #encode}), in their order. */
    public List<Score> scorePairs(List<TokenIds> pairs) {
        int[] lengths = pairs.stream().mapToInt(TokenIds::length).toArray();
        Score[] out = new Score[pairs.size()];
        for (int[] pass : planner.plan(lengths)) {
            List<TokenIds> rows = new ArrayList<>(pass.length);
            for (int i : pass) {
                rows.add(pairs.get(i));
            }
            float[][] pooled = loaded.encoder()
                    .encode(
                            PaddedBatch.of(rows, loaded.padTokenId()),
                            scorer.head().pooling());
            for (int j = 0; j < pass.length; j++) {
                TokenIds ids = pairs.get(pass[j]);
                out[pass[j]] = new Score(scorer.head().score(pooled[j]), ids.length(), ids.truncated());
            }
        }
        return Arrays.asList(out);
    }

    @Override
    public void close() {
        lease.close();
    }
}
