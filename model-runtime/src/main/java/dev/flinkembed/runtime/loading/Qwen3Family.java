package dev.flinkembed.runtime.loading;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.qwen3.Qwen3Config;
import dev.flinkembed.runtime.qwen3.Qwen3Encoder;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.weights.SafetensorsCheckpoint;
import java.nio.file.Path;

/**
 * Qwen3-Embedding (0.6B / 4B / 8B): last-token pooling of the EOS token appended to every text, unit vectors,
 * instruction-formatted queries, documents raw; fp16 or int8 linear layers optional.
 */
final class Qwen3Family implements ModelFamily {

    /** Qwen3-Embedding's query format; documents are embedded raw. */
    static final LoadedModel.Instructions INSTRUCTIONS = new LoadedModel.Instructions(
            "Instruct: %s\nQuery:", "Given a web search query, retrieve relevant passages that answer the query");

    static final int DEFAULT_MAX_TOKENS = 8192;

    @Override
    public String modelType() {
        return "qwen3";
    }

    @Override
    public ModelTask task() {
        return ModelTask.EMBED;
    }

    @Override
    public LoadedModel load(Path folder, JsonNode configJson, Integer maxTokens, Precision precision) {
        Qwen3Config config =
                Qwen3Config.fromJson(configJson, folder.resolve("config.json").toString());
        int limit = limit(folder, config, maxTokens);
        MemoryCheck.requireFits(folder.toString(), config.parameterCount() * bytesPerParameter(precision), precision);
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(folder);
        String fingerprint = WeightsFingerprint.of(weights);
        ModelTokenizer tokenizer = ModelTokenizer.load(folder.resolve("tokenizer.json"), limit, config.eosTokenId());
        Qwen3Encoder encoder;
        try {
            encoder = Qwen3Encoder.load(config, weights, precision);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        return new LoadedModel(
                folder.getFileName().toString(),
                "qwen3",
                encoder,
                tokenizer,
                Pooling.LAST_TOKEN,
                true,
                PromptFormat.NONE,
                config.eosTokenId(),
                fingerprint,
                INSTRUCTIONS);
    }

    @Override
    public ModelTokenizer tokenizer(Path folder, JsonNode configJson, Integer maxTokens) {
        Qwen3Config config =
                Qwen3Config.fromJson(configJson, folder.resolve("config.json").toString());
        return ModelTokenizer.load(
                folder.resolve("tokenizer.json"), limit(folder, config, maxTokens), config.eosTokenId());
    }

    @Override
    public ModelFootprint footprint(JsonNode json, String where, ModelOptions options) {
        Qwen3Config c = Qwen3Config.fromJson(json, where);
        int w = options.maxTokens() != null ? options.maxTokens() : Math.min(DEFAULT_MAX_TOKENS, c.maxPositions());
        return new ModelFootprint(
                c.parameterCount() * bytesPerParameter(options.precision()),
                ModelFootprint.working(c.hiddenSize(), c.intermediateSize(), c.heads(), options.tokenBudget(), w));
    }

    /** Peak bytes a parameter while loading: int8 layers are packed from a float32 copy, one layer at a time. */
    static int bytesPerParameter(Precision precision) {
        return precision == Precision.FP16 ? 2 : precision == Precision.INT8 ? 1 : 4;
    }

    private static int limit(Path folder, Qwen3Config config, Integer maxTokens) {
        int limit = maxTokens != null ? maxTokens : Math.min(DEFAULT_MAX_TOKENS, config.maxPositions());
        if (limit < 2 || limit > config.maxPositions()) {
            throw new IllegalArgumentException("max tokens " + limit + " for " + folder + " must be within 2.."
                    + config.maxPositions() + " (max_position_embeddings)");
        }
        return limit;
    }
}
