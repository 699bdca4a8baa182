package dev.flinkembed.runtime.loading;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.runtime.bert.BertConfig;
import dev.flinkembed.runtime.bert.BertEncoder;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.qwen3.Qwen3Config;
import dev.flinkembed.runtime.qwen3.Qwen3Encoder;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.weights.SafetensorsCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model as downloaded from the Hugging Face hub: {@code config.json} (architecture by {@code model_type}),
 * {@code tokenizer.json}, safetensors weights, and the sentence-transformers files when present
 * ({@code sentence_bert_config.json} for the max length, {@code 1_Pooling/config.json} for the pooling,
 * {@code modules.json} for normalisation).
 */
final class HuggingFaceFolder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceFolder() {
    }

    static LoadedModel load(Path folder, Integer maxTokens, boolean float16) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model '" + folder + "' is neither a built-in model "
                    + BuiltinModels.NAMES + " nor an existing model folder");
        }
        JsonNode config = readJson(folder.resolve("config.json"), true);
        String type = config.path("model_type").asText("");
        return switch (type) {
            case "bert" -> {
                if (float16) {
                    throw new IllegalArgumentException("float16 compute is supported for qwen3 models only, not for "
                            + folder + " (model_type bert)");
                }
                yield loadBert(folder, config, maxTokens);
            }
            case "qwen3" -> loadQwen3(folder, config, maxTokens, float16);
            default -> throw new IllegalArgumentException(folder.resolve("config.json") + ": model_type '" + type
                    + "' is not supported; supported: bert, qwen3");
        };
    }

    /** The model's tokenizer alone, with the limits the model would use (no weights read): for remote backends. */
    static ModelTokenizer loadTokenizer(Path folder, Integer maxTokens) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model '" + folder + "' is neither a built-in model "
                    + BuiltinModels.NAMES + " nor an existing model folder");
        }
        JsonNode configJson = readJson(folder.resolve("config.json"), true);
        String type = configJson.path("model_type").asText("");
        String where = folder.resolve("config.json").toString();
        return switch (type) {
            case "bert" -> ModelTokenizer.load(folder.resolve("tokenizer.json"),
                    bertLimit(folder, BertConfig.fromJson(configJson, where), maxTokens));
            case "qwen3" -> {
                Qwen3Config config = Qwen3Config.fromJson(configJson, where);
                yield ModelTokenizer.load(folder.resolve("tokenizer.json"), qwen3Limit(folder, config, maxTokens),
                        config.eosTokenId());
            }
            // Other architectures can be served remotely: their tokenizer.json with its own limit.
            default -> ModelTokenizer.load(folder.resolve("tokenizer.json"), maxTokens != null ? maxTokens
                    : configJson.path("max_position_embeddings").asInt(512));
        };
    }

    private static int bertLimit(Path folder, BertConfig config, Integer maxTokens) {
        int limit = maxTokens != null ? maxTokens : defaultMaxTokens(folder, config.maxPositions());
        if (limit < 3 || limit > config.maxPositions()) {
            throw new IllegalArgumentException("max tokens " + limit + " for " + folder + " must be within 3.."
                    + config.maxPositions() + " (max_position_embeddings)");
        }
        return limit;
    }

    private static int qwen3Limit(Path folder, Qwen3Config config, Integer maxTokens) {
        int limit = maxTokens != null ? maxTokens : Math.min(QWEN3_DEFAULT_MAX_TOKENS, config.maxPositions());
        if (limit < 2 || limit > config.maxPositions()) {
            throw new IllegalArgumentException("max tokens " + limit + " for " + folder + " must be within 2.."
                    + config.maxPositions() + " (max_position_embeddings)");
        }
        return limit;
    }

    private static LoadedModel loadBert(Path folder, JsonNode configJson, Integer maxTokens) {
        BertConfig config = BertConfig.fromJson(configJson, folder.resolve("config.json").toString());
        int limit = bertLimit(folder, config, maxTokens);
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(folder);
        String fingerprint = WeightsFingerprint.of(weights);
        ModelTokenizer tokenizer = ModelTokenizer.load(folder.resolve("tokenizer.json"), limit);
        BertEncoder encoder;
        try {
            encoder = BertEncoder.load(config, weights);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        return new LoadedModel(folder.getFileName().toString(), "bert", encoder, tokenizer, pooling(folder),
                normalize(folder), PromptFormat.NONE, config.padTokenId(), fingerprint, null);
    }

    /** Qwen3-Embedding's query format; documents are embedded raw. */
    static final LoadedModel.Instructions QWEN3_INSTRUCTIONS = new LoadedModel.Instructions(
            "Instruct: %s\nQuery:", "Given a web search query, retrieve relevant passages that answer the query");
    static final int QWEN3_DEFAULT_MAX_TOKENS = 8192;

    private static LoadedModel loadQwen3(Path folder, JsonNode configJson, Integer maxTokens, boolean float16) {
        Qwen3Config config = Qwen3Config.fromJson(configJson, folder.resolve("config.json").toString());
        int limit = qwen3Limit(folder, config, maxTokens);
        MemoryCheck.requireFits(folder.toString(), config.parameterCount() * (float16 ? 2 : 4), float16);
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(folder);
        String fingerprint = WeightsFingerprint.of(weights);
        ModelTokenizer tokenizer = ModelTokenizer.load(folder.resolve("tokenizer.json"), limit, config.eosTokenId());
        Qwen3Encoder encoder;
        try {
            encoder = Qwen3Encoder.load(config, weights, float16);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        return new LoadedModel(folder.getFileName().toString(), "qwen3", encoder, tokenizer, Pooling.LAST_TOKEN,
                true, PromptFormat.NONE, config.eosTokenId(), fingerprint, QWEN3_INSTRUCTIONS);
    }

    private static int defaultMaxTokens(Path folder, int maxPositions) {
        JsonNode st = readJson(folder.resolve("sentence_bert_config.json"), false);
        if (st != null && st.path("max_seq_length").canConvertToInt()) {
            return Math.min(st.path("max_seq_length").asInt(), maxPositions);
        }
        return maxPositions;
    }

    private static Pooling pooling(Path folder) {
        JsonNode p = readJson(folder.resolve("1_Pooling").resolve("config.json"), false);
        if (p == null) {
            return Pooling.MEAN;
        }
        if (p.path("pooling_mode_cls_token").asBoolean(false)) {
            return Pooling.CLS;
        }
        if (p.path("pooling_mode_lasttoken").asBoolean(false)) {
            return Pooling.LAST_TOKEN;
        }
        return Pooling.MEAN;
    }

    private static boolean normalize(Path folder) {
        JsonNode modules = readJson(folder.resolve("modules.json"), false);
        if (modules == null) {
            return true; // cosine search is what users do with these vectors; unit length is the safe default
        }
        for (JsonNode m : modules) {
            if (m.path("type").asText("").endsWith("Normalize")) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode readJson(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new IllegalArgumentException(file + " does not exist: a model folder needs config.json, "
                        + "tokenizer.json and safetensors weights");
            }
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
