package dev.flinkembed.runtime.loading;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import java.nio.file.Path;

/**
 * One architecture a Hugging Face folder can hold, known by its {@code config.json} {@code model_type}, for one task:
 * how it is loaded, how its tokenizer is limited and how much native memory it takes. Everything that depends on the
 * architecture lives behind this interface; {@link ModelFamilies} lists the families, so a new one (a reranker, a new
 * encoder) is one class and one line there.
 */
interface ModelFamily {

    /** config.json's {@code model_type}, e.g. {@code bert}, {@code qwen3}. */
    String modelType();

    ModelTask task();

    /** Weights, tokenizer and the model card's settings (pooling, normalisation, instructions). */
    LoadedModel load(Path folder, JsonNode config, Integer maxTokens, Precision precision);

    /** The tokenizer alone with the limit the model would use (remote backends: no weights are read). */
    ModelTokenizer tokenizer(Path folder, JsonNode config, Integer maxTokens);

    /** The native memory the model takes, from its config alone (see {@link ModelFootprint}). */
    ModelFootprint footprint(JsonNode config, String where, ModelOptions options);
}
