package dev.flinkembed.runtime.loading;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.qwen3.Qwen3Config;
import dev.flinkembed.runtime.qwen3.Qwen3Encoder;
import dev.flinkembed.runtime.scoring.ChatTemplatePairs;
import dev.flinkembed.runtime.scoring.Scorer;
import dev.flinkembed.runtime.scoring.YesNoHead;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.weights.SafetensorsCheckpoint;
import java.nio.file.Path;

/**
 * Qwen3-Reranker (0.6B / 4B / 8B): the same {@code Qwen3ForCausalLM} checkpoint layout as Qwen3-Embedding — the task
 * asked for, not the folder, says it is a reranker. Pairs through the model card's chat template; the score is the
 * softmax of the "yes"/"no" logits at the last position, from two rows of {@code lm_head} (or of the token embeddings
 * when tied).
 */
final class Qwen3RerankerFamily implements ModelFamily {

    @Override
    public String modelType() {
        return "qwen3";
    }

    @Override
    public ModelTask task() {
        return ModelTask.SCORE;
    }

    @Override
    public LoadedModel load(Path folder, JsonNode configJson, Integer maxTokens, Precision precision) {
        Qwen3Config config =
                Qwen3Config.fromJson(configJson, folder.resolve("config.json").toString());
        int limit = limit(folder, config, maxTokens);
        MemoryCheck.requireFits(
                folder.toString(), config.parameterCount() * Qwen3Family.bytesPerParameter(precision), precision);
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(folder);
        String fingerprint = WeightsFingerprint.of(weights);
        ModelTokenizer tokenizer = ModelTokenizer.load(folder.resolve("tokenizer.json"), limit);
        Qwen3Encoder encoder = null;
        try {
            ChatTemplatePairs template = new ChatTemplatePairs(tokenizer);
            YesNoHead head = new YesNoHead(
                    headRow(weights, tokenizer, "yes", folder), headRow(weights, tokenizer, "no", folder));
            encoder = Qwen3Encoder.load(config, weights, precision);
            return new LoadedModel(
                    folder.getFileName().toString(),
                    "qwen3-reranker",
                    encoder,
                    tokenizer,
                    Pooling.LAST_TOKEN,
                    false,
                    PromptFormat.NONE,
                    config.eosTokenId(),
                    fingerprint,
                    null,
                    new Scorer(template, head));
        } catch (RuntimeException e) {
            tokenizer.close();
            if (encoder != null) {
                encoder.close();
            }
            throw e;
        }
    }

    /** The head's row for a one-token word: lm_head when the checkpoint has one, else the tied token embeddings. */
    private static float[] headRow(SafetensorsCheckpoint weights, ModelTokenizer tokenizer, String word, Path folder) {
        long[] ids = tokenizer.idsOf(word);
        if (ids.length != 1) {
            throw new IllegalArgumentException(folder + ": \"" + word + "\" is " + ids.length + " tokens in this "
                    + "tokenizer, not one: not a Qwen3-Reranker vocabulary");
        }
        for (String name : new String[] {"lm_head.weight", "model.embed_tokens.weight", "embed_tokens.weight"}) {
            if (weights.contains(name)) {
                return weights.row(name, ids[0]);
            }
        }
        throw new IllegalArgumentException(folder + " has neither lm_head.weight nor embed_tokens.weight");
    }

    @Override
    public ModelTokenizer tokenizer(Path folder, JsonNode configJson, Integer maxTokens) {
        Qwen3Config config =
                Qwen3Config.fromJson(configJson, folder.resolve("config.json").toString());
        return ModelTokenizer.load(folder.resolve("tokenizer.json"), limit(folder, config, maxTokens));
    }

    @Override
    public ModelFootprint footprint(JsonNode json, String where, ModelOptions options) {
        return new Qwen3Family().footprint(json, where, options);
    }

    private static int limit(Path folder, Qwen3Config config, Integer maxTokens) {
        int limit = maxTokens != null ? maxTokens : Math.min(Qwen3Family.DEFAULT_MAX_TOKENS, config.maxPositions());
        if (limit < 2 || limit > config.maxPositions()) {
            throw new IllegalArgumentException("max tokens " + limit + " for " + folder + " must be within 2.."
                    + config.maxPositions() + " (max_position_embeddings)");
        }
        return limit;
    }
}
