package dev.flinkembed.runtime.loading;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.runtime.bert.BertConfig;
import dev.flinkembed.runtime.bert.BertEncoder;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.weights.SafetensorsCheckpoint;
import java.nio.file.Path;

/**
 * BERT-family embedding models (BERT, MiniLM, BGE, E5): pooling, normalisation and max length from the
 * sentence-transformers files when present.
 */
final class BertFamily implements ModelFamily {

    @Override
    public String modelType() {
        return "bert";
    }

    @Override
    public ModelTask task() {
        return ModelTask.EMBED;
    }

    @Override
    public LoadedModel load(Path folder, JsonNode configJson, Integer maxTokens, Precision precision) {
        refuseFp16(folder, precision);
        BertConfig config =
                BertConfig.fromJson(configJson, folder.resolve("config.json").toString());
        int limit = limit(folder, config, maxTokens);
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(folder);
        String fingerprint = WeightsFingerprint.of(weights);
        ModelTokenizer tokenizer = ModelTokenizer.load(folder.resolve("tokenizer.json"), limit);
        BertEncoder encoder;
        try {
            encoder = BertEncoder.load(config, weights, precision);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        return new LoadedModel(
                folder.getFileName().toString(),
                "bert",
                encoder,
                tokenizer,
                HuggingFaceFolder.pooling(folder),
                HuggingFaceFolder.normalize(folder),
                PromptFormat.NONE,
                config.padTokenId(),
                fingerprint,
                null);
    }

    /** BERT-family models run in fp32 or int8: fp16 is refused naming the folder (embedding and cross-encoders). */
    static void refuseFp16(Path folder, Precision precision) {
        if (precision == Precision.FP16) {
            throw new IllegalArgumentException("model.precision fp16 is supported for qwen3 models only, not for "
                    + folder + " (model_type bert; accepted: fp32, int8)");
        }
    }

    @Override
    public ModelTokenizer tokenizer(Path folder, JsonNode configJson, Integer maxTokens) {
        BertConfig config =
                BertConfig.fromJson(configJson, folder.resolve("config.json").toString());
        return ModelTokenizer.load(folder.resolve("tokenizer.json"), limit(folder, config, maxTokens));
    }

    @Override
    public ModelFootprint footprint(JsonNode json, String where, ModelOptions options) {
        BertConfig c = BertConfig.fromJson(json, where);
        int w = options.maxTokens() != null ? options.maxTokens() : c.maxPositions();
        return ModelFootprint.of(c, options.tokenBudget(), w);
    }

    private static int limit(Path folder, BertConfig config, Integer maxTokens) {
        int limit = maxTokens != null ? maxTokens : HuggingFaceFolder.defaultMaxTokens(folder, config.maxPositions());
        if (limit < 3 || limit > config.maxPositions()) {
            throw new IllegalArgumentException("max tokens " + limit + " for " + folder + " must be within 3.."
                    + config.maxPositions() + " (max_position_embeddings)");
        }
        return limit;
    }
}
