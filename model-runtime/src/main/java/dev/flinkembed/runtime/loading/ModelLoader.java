package dev.flinkembed.runtime.loading;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads the weights and tokenizer named by {@link ModelOptions#model()}. */
public final class ModelLoader {

    static {
        // Never let DJL try the network: the PyTorch natives come from the pytorch-native-cpu jar.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        NativeThreads.configure();
    }

    private ModelLoader() {}

    public static LoadedModel load(ModelOptions options) {
        loadEngineAlongside();
        if (BuiltinModels.isBuiltin(options.model())) {
            if (options.precision() == Precision.FP16) {
                throw new IllegalArgumentException("model.precision fp16 is supported for qwen3 models only, not for "
                        + options.model() + " (accepted: fp32, int8)");
            }
            return BuiltinModels.load(options.model(), options.maxTokens(), options.precision());
        }
        return HuggingFaceFolder.load(Path.of(options.model()), options.maxTokens(), options.precision());
    }

    /**
     * A scoring model (a reranker) from a Hugging Face folder: the family for its {@code model_type} and the scoring
     * task, so a Qwen3-Reranker folder, which says {@code Qwen3ForCausalLM} like the embedding model, is read as one.
     */
    public static LoadedModel loadScorer(ModelOptions options) {
        loadEngineAlongside();
        if (BuiltinModels.isBuiltin(options.model())) {
            throw new IllegalArgumentException("model '" + options.model() + "' is an embedding model; a reranker "
                    + "is a Hugging Face folder of a Qwen3-Reranker or a BERT cross-encoder");
        }
        return HuggingFaceFolder.load(
                Path.of(options.model()), options.maxTokens(), options.precision(), ModelTask.SCORE);
    }

    /**
     * Starts loading the PyTorch natives (~0.8 s) on a thread of its own while the caller reads the weights (~0.6 s
     * to inflate a built-in model's ONNX file from its jar): a command's model is ready that much sooner (measured:
     * 1.4 s → 0.8 s). The encoder's first NDManager waits for it (DJL loads the engine once, under a lock); a failure
     * is reported there, by the same call. Does nothing once the engine is loaded.
     */
    private static void loadEngineAlongside() {
        Thread loader = new Thread(
                () -> {
                    try {
                        Engine.getEngine("PyTorch");
                    } catch (Throwable ignored) {
                        // the encoder's own call fails with the same cause, where it is reported
                    }
                },
                "flink-embed-engine-loader");
        loader.setDaemon(true);
        loader.setContextClassLoader(ModelLoader.class.getClassLoader());
        loader.start();
    }

    /** Only the model's tokenizer (chunking and request sizing for a remote backend: no weights are read). */
    public static ModelTokenizer loadTokenizer(ModelOptions options) {
        return RuntimeClassLoader.call(() -> tokenizerOf(options));
    }

    private static ModelTokenizer tokenizerOf(ModelOptions options) {
        if (BuiltinModels.isBuiltin(options.model())) {
            return BuiltinModels.loadTokenizer(options.model(), options.maxTokens());
        }
        return HuggingFaceFolder.loadTokenizer(Path.of(options.model()), options.maxTokens());
    }

    /** The hidden size (the largest vector dimension) of a model, read from config.json without loading weights. */
    public static int hiddenSize(String model) {
        validateReference(model);
        if (BuiltinModels.isBuiltin(model)) {
            return BuiltinModels.get(model).config().hiddenSize();
        }
        Path config = Path.of(model).resolve("config.json");
        try {
            return hiddenSize(Files.readAllBytes(config), config.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(config + " is not readable: " + e.getMessage(), e);
        }
    }

    /** {@code hidden_size} of a model's config.json, given as its bytes ({@code where}: for messages). */
    public static int hiddenSize(byte[] configJson, String where) {
        try {
            JsonNode node = new ObjectMapper().readTree(configJson).get("hidden_size");
            if (node == null || !node.canConvertToInt()) {
                throw new IllegalArgumentException(where + ": \"hidden_size\" is missing");
            }
            return node.asInt();
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Checks that a model reference can be resolved without loading it: fails fast on configuration mistakes. */
    public static void validateReference(String model) {
        if (BuiltinModels.isBuiltin(model)) {
            BuiltinModels.get(model);
            return;
        }
        Path folder = Path.of(model);
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model '" + model + "' is neither a built-in model "
                    + BuiltinModels.NAMES + " nor an existing model folder");
        }
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw new IllegalArgumentException("model folder " + folder + " has no config.json");
        }
    }
}
