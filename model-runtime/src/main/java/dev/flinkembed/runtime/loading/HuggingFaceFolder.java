package dev.flinkembed.runtime.loading;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model as downloaded from the Hugging Face hub: {@code config.json} (architecture by {@code model_type}: its
 * {@link ModelFamily}),
 * {@code tokenizer.json}, safetensors weights, and the sentence-transformers files when present
 * ({@code sentence_bert_config.json} for the max length, {@code 1_Pooling/config.json} for the pooling,
 * {@code modules.json} for normalisation).
 */
final class HuggingFaceFolder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceFolder() {}

    static LoadedModel load(Path folder, Integer maxTokens, Precision precision) {
        return load(folder, maxTokens, precision, ModelTask.EMBED);
    }

    static LoadedModel load(Path folder, Integer maxTokens, Precision precision, ModelTask task) {
        JsonNode config = config(folder);
        String where = folder.resolve("config.json").toString();
        return ModelFamilies.require(config.path("model_type").asText(""), task, where)
                .load(folder, config, maxTokens, precision);
    }

    /** The model's tokenizer alone, with the limits the model would use (no weights read): for remote backends. */
    static ModelTokenizer loadTokenizer(Path folder, Integer maxTokens) {
        JsonNode config = config(folder);
        return ModelFamilies.find(config.path("model_type").asText(""), ModelTask.EMBED)
                .map(f -> f.tokenizer(folder, config, maxTokens))
                // Other architectures can be served remotely: their tokenizer.json with its own limit.
                .orElseGet(() -> ModelTokenizer.load(
                        folder.resolve("tokenizer.json"),
                        maxTokens != null
                                ? maxTokens
                                : config.path("max_position_embeddings").asInt(512)));
    }

    private static JsonNode config(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model '" + folder + "' is neither a built-in model "
                    + BuiltinModels.NAMES + " nor an existing model folder");
        }
        return readJson(folder.resolve("config.json"), true);
    }

    static int defaultMaxTokens(Path folder, int maxPositions) {
        JsonNode st = readJson(folder.resolve("sentence_bert_config.json"), false);
        if (st != null && st.path("max_seq_length").canConvertToInt()) {
            return Math.min(st.path("max_seq_length").asInt(), maxPositions);
        }
        return maxPositions;
    }

    static Pooling pooling(Path folder) {
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

    static boolean normalize(Path folder) {
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
