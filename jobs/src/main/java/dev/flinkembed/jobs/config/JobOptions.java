package dev.flinkembed.jobs.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every configuration key the jobs accept. The README's configuration reference lists exactly these. */
public final class JobOptions {

    private static final Map<String, ConfigKey<?>> KEYS = new LinkedHashMap<>();

    public static final ConfigKey<String> MODEL_NAME = add(ConfigKey.string("model.name",
            "builtin:all-minilm-l6-v2", "The model: builtin:all-minilm-l6-v2 or a Hugging Face model folder."));
    public static final ConfigKey<Integer> MODEL_MAX_TOKENS = add(ConfigKey.positiveInt("model.max-tokens", null,
            "Tokens the model reads per text, special tokens included (default: the model's own limit, 256 for "
                    + "all-MiniLM-L6-v2)."));
    public static final ConfigKey<Integer> MODEL_DIMENSIONS = add(ConfigKey.positiveInt("model.dimensions", null,
            "Keep the first N components of each vector, then re-normalise (Matryoshka); default: all."));
    public static final ConfigKey<String> MODEL_POOLING = add(ConfigKey.oneOf("model.pooling", null,
            "Override the model folder's pooling.", "mean", "cls", "last-token"));
    public static final ConfigKey<Boolean> MODEL_NORMALIZE = add(ConfigKey.bool("model.normalize", null,
            "L2-normalise vectors (default: what the model folder says; true for the built-in model)."));
    public static final ConfigKey<String> MODEL_QUERY_PREFIX = add(ConfigKey.string("model.query-prefix", null,
            "Text put before queries (e.g. 'query: ' for E5)."));
    public static final ConfigKey<String> MODEL_DOCUMENT_PREFIX = add(ConfigKey.string("model.document-prefix", null,
            "Text put before documents (e.g. 'passage: ' for E5)."));

    public static final ConfigKey<String> MODEL_INSTRUCTION = add(ConfigKey.string("model.instruction", null,
            "Instruction for queries of instruction-tuned models (Qwen3-Embedding: 'Instruct: {instruction}\\nQuery:"
                    + "{text}'; default 'Given a web search query, retrieve relevant passages that answer the query')."));

    public static final ConfigKey<Boolean> MODEL_FLOAT16 = add(ConfigKey.bool("model.float16", "false",
            "Qwen3 only: float16 weights and matrix products (half the memory; see README for the measured "
                    + "deviation)."));

    public static final ConfigKey<Integer> BATCH_TOKEN_BUDGET = add(ConfigKey.positiveInt("batch.token-budget", "1024",
            "Padded tokens per forward pass (rows × longest row)."));
    public static final ConfigKey<Integer> BATCH_MAX_SIZE = add(ConfigKey.positiveInt("batch.max-size", "64",
            "Rows per forward pass at most."));
    public static final ConfigKey<Integer> BATCH_FLUSH_TOKENS = add(ConfigKey.positiveInt("batch.flush-tokens",
            "32768", "A slot's micro-batcher runs the model once this many tokens are waiting (they are sorted by "
                    + "length into forward passes)."));
    public static final ConfigKey<Long> BATCH_MAX_WAIT = add(ConfigKey.duration("batch.max-wait", "50ms",
            "... or once the oldest waiting chunk has waited this long."));

    public static final ConfigKey<Integer> EMBED_CAPACITY = add(ConfigKey.positiveInt("embed.capacity", "1024",
            "Chunks in flight per slot in Flink's async queue; must exceed batch.max-size and should hold "
                    + "batch.flush-tokens worth of chunks."));
    public static final ConfigKey<Long> EMBED_TIMEOUT = add(ConfigKey.duration("embed.timeout", "10min",
            "A chunk not embedded within this time fails the job with a message (never a silent hang)."));

    public static final ConfigKey<Integer> CHUNK_MAX_TOKENS = add(ConfigKey.positiveInt("chunking.max-tokens", null,
            "Tokens per chunk, special tokens included (default: model.max-tokens)."));
    public static final ConfigKey<Integer> CHUNK_OVERLAP = add(ConfigKey.nonNegativeInt("chunking.overlap-tokens", "32",
            "Tokens shared by consecutive chunks of a long document."));
    public static final ConfigKey<Boolean> CHUNK_INCLUDE_TITLE = add(ConfigKey.bool("chunking.include-title", "true",
            "Write the document title (when there is one) before each chunk's text for the model."));

    public static final ConfigKey<String> SOURCE_PATH = add(ConfigKey.string("source.path", null,
            "Input file or directory (bulk: --input)."));
    public static final ConfigKey<String> SOURCE_FORMAT = add(ConfigKey.oneOf("source.format", "auto",
            "Input format; auto decides by file extension (.parquet, .jsonl/.json/.ndjson).",
            "auto", "parquet", "jsonl"));
    public static final ConfigKey<String> SOURCE_ID_COLUMN = add(ConfigKey.string("source.id-column", "id",
            "Parquet column holding the document id."));
    public static final ConfigKey<String> SOURCE_TEXT_COLUMN = add(ConfigKey.string("source.text-column", "text",
            "Parquet column holding the document text."));
    public static final ConfigKey<String> SOURCE_TITLE_COLUMN = add(ConfigKey.string("source.title-column", null,
            "Optional Parquet column holding a title."));

    public static final ConfigKey<String> SINK_TYPE = add(ConfigKey.oneOf("sink.type", "parquet",
            "Where vectors go.", "parquet"));
    public static final ConfigKey<String> SINK_PATH = add(ConfigKey.string("sink.path", null,
            "Output directory: vectors under vectors/, dead letters under dead-letter/ (bulk: --output)."));

    public static final ConfigKey<Integer> JOB_PARALLELISM = add(ConfigKey.positiveInt("job.parallelism", "1",
            "Parallel slots (one model instance each; the weights are loaded once per TaskManager)."));
    public static final ConfigKey<Long> JOB_PROGRESS_INTERVAL = add(ConfigKey.duration("job.progress-interval", "10s",
            "How often a bounded job prints progress (0: never)."));
    public static final ConfigKey<String> JOB_NAME = add(ConfigKey.string("job.name", "flink-embed bulk",
            "The Flink job name."));

    private JobOptions() {
    }

    private static <T> ConfigKey<T> add(ConfigKey<T> key) {
        KEYS.put(key.name(), key);
        return key;
    }

    public static Map<String, ConfigKey<?>> all() {
        return Collections.unmodifiableMap(KEYS);
    }

    /** The closest known key by edit distance, to suggest on a typo. */
    static String closest(String unknown) {
        for (String k : KEYS.keySet()) {
            if (k.startsWith(unknown) || unknown.startsWith(k)) {
                return k;
            }
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : KEYS.keySet()) {
            int d = distance(unknown, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= Math.max(3, unknown.length() / 3) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1),
                        prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    public static List<String> names() {
        return new ArrayList<>(KEYS.keySet());
    }
}
