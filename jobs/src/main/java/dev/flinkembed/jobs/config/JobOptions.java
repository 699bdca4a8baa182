package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.config.ConfigKey;
import dev.flinkembed.operators.store.VectorStoreFactory;
import dev.flinkembed.operators.store.VectorStores;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.remote.RemoteOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every configuration key the jobs accept (the stores' own included); docs/configuration.md lists exactly these. */
public final class JobOptions {

    private static final Map<String, ConfigKey<?>> KEYS = new LinkedHashMap<>();

    public static final ConfigKey<String> MODEL_NAME = add(ConfigKey.string(
            "model.name",
            ModelOptions.DEFAULT_MODEL,
            "The model: builtin:all-minilm-l6-v2, builtin:bge-small-en-v1.5, builtin:e5-small-v2 or a Hugging Face model "
                    + "folder: a local path, or a URI (s3://models/qwen3-embedding-0.6b) copied once per machine into a "
                    + "verified local cache."));
    public static final ConfigKey<Integer> MODEL_MAX_TOKENS = add(ConfigKey.positiveInt(
            "model.max-tokens",
            null,
            "Tokens the model reads per text, special tokens included (default: the model's own limit, 256 for "
                    + "all-MiniLM-L6-v2)."));
    public static final ConfigKey<Integer> MODEL_DIMENSIONS = add(ConfigKey.positiveInt(
            "model.dimensions",
            null,
            "Keep the first N components of each vector, then re-normalise (Matryoshka); default: all."));
    public static final ConfigKey<String> MODEL_POOLING = add(ConfigKey.oneOf(
            "model.pooling", null, "Override the model folder's pooling.", "mean", "cls", "last-token"));
    public static final ConfigKey<Boolean> MODEL_NORMALIZE = add(ConfigKey.bool(
            "model.normalize",
            null,
            "L2-normalise vectors (default: what the model folder says; true for the built-in model)."));
    public static final ConfigKey<String> MODEL_QUERY_PREFIX =
            add(ConfigKey.string("model.query-prefix", null, "Text put before queries (e.g. 'query: ' for E5)."));
    public static final ConfigKey<String> MODEL_DOCUMENT_PREFIX = add(
            ConfigKey.string("model.document-prefix", null, "Text put before documents (e.g. 'passage: ' for E5)."));

    public static final ConfigKey<String> MODEL_INSTRUCTION = add(
            ConfigKey.string(
                    "model.instruction",
                    null,
                    "Instruction for queries of instruction-tuned models (Qwen3-Embedding: 'Instruct: {instruction}\\nQuery:"
                            + "{text}'; default 'Given a web search query, retrieve relevant passages that answer the query')."));

    public static final ConfigKey<String> MODEL_PRECISION = add(ConfigKey.oneOf(
            "model.precision",
            "fp32",
            "What the in-process model's linear layers compute in: fp32 (the reference), int8 (dynamic quantization: "
                    + "per-channel int8 weights, activations quantized per batch; ~4x less weight memory, faster on "
                    + "CPUs; see docs/int8.md for the measured quality) or fp16 (Qwen3 only: half the memory). Part of "
                    + "the model's fingerprint: an index of one precision refuses vectors of another, and reindex treats "
                    + "a change as a model change.",
            "fp32",
            "int8",
            "fp16"));

    public static final ConfigKey<Boolean> MODEL_FLOAT16 = add(ConfigKey.bool(
            "model.float16",
            "false",
            "Qwen3 only: the same as model.precision=fp16 (kept for existing configurations)."));

    public static final ConfigKey<String> MODEL_GOLDEN = add(ConfigKey.string(
            "model.golden",
            null,
            "A golden-vectors file written by `flink-embed golden`: every model instance must reproduce it (worst "
                    + "probe cosine ≥ 0.9999) when it opens, or the job fails before any data moves."));

    public static final ConfigKey<Integer> BATCH_TOKEN_BUDGET = add(ConfigKey.positiveInt(
            "batch.token-budget",
            Integer.toString(ModelOptions.DEFAULT_TOKEN_BUDGET),
            "Padded tokens per forward pass (rows × longest row)."));
    public static final ConfigKey<Integer> BATCH_MAX_SIZE = add(ConfigKey.positiveInt(
            "batch.max-size", Integer.toString(ModelOptions.DEFAULT_MAX_BATCH_SIZE), "Rows per forward pass at most."));
    public static final ConfigKey<Integer> BATCH_FLUSH_TOKENS = add(ConfigKey.positiveInt(
            "batch.flush-tokens",
            "65536",
            "A slot's micro-batcher runs the model once this many tokens are waiting (they are sorted by "
                    + "length into forward passes)."));
    public static final ConfigKey<Long> BATCH_MAX_WAIT = add(
            ConfigKey.duration("batch.max-wait", "50ms", "... or once the oldest waiting chunk has waited this long."));

    public static final ConfigKey<Integer> EMBED_CAPACITY = add(ConfigKey.positiveInt(
            "embed.capacity",
            "2048",
            "Chunks in flight per slot in Flink's async queue; must exceed batch.max-size and should hold "
                    + "batch.flush-tokens worth of chunks."));
    public static final ConfigKey<Long> EMBED_TIMEOUT = add(ConfigKey.duration(
            "embed.timeout",
            "10min",
            "A chunk not embedded within this time fails the job with a message (never a silent hang)."));

    public static final ConfigKey<String> EMBED_INPUT = add(ConfigKey.oneOf(
            "embed.input",
            "document",
            "Flink SQL models only: what ML_PREDICT embeds — documents (with model.document-prefix, as the jobs do) or "
                    + "queries (with model.instruction or model.query-prefix, as search does).",
            "document",
            "query"));

    public static final ConfigKey<String> EMBED_BACKEND = add(ConfigKey.oneOf(
            "embed.backend",
            "in-process",
            "Where vectors are computed: in-process (this JVM, DJL/PyTorch) or remote (an OpenAI-compatible "
                    + "/v1/embeddings server: vLLM, vLLM-Ascend, TEI, flink-embed serve). With remote, model.name only "
                    + "names the tokenizer used for chunking and request sizing.",
            "in-process",
            "remote"));
    public static final ConfigKey<String> REMOTE_URL = add(ConfigKey.string(
            "remote.url", null, "API base of the server, e.g. http://npu-host:8000/v1 (/embeddings is appended)."));
    public static final ConfigKey<String> REMOTE_MODEL = add(ConfigKey.string(
            "remote.model",
            null,
            "Model name the server knows (vLLM: the served model name, e.g. Qwen/Qwen3-Embedding-8B)."));
    public static final ConfigKey<String> REMOTE_API_KEY_ENV = add(ConfigKey.string(
            "remote.api-key-env",
            null,
            "Environment variable holding the API key, sent as a Bearer token (never logged)."));
    public static final ConfigKey<String> REMOTE_ENCODING = add(ConfigKey.oneOf(
            "remote.encoding-format",
            RemoteOptions.DEFAULT_ENCODING,
            "Vectors as JSON floats or base64 float32 (smaller responses).",
            "float",
            "base64"));
    public static final ConfigKey<Integer> REMOTE_MAX_INPUTS = add(ConfigKey.positiveInt(
            "remote.max-inputs-per-request",
            Integer.toString(RemoteOptions.DEFAULT_MAX_INPUTS_PER_REQUEST),
            "Inputs per request at most (the server's batch limit)."));
    public static final ConfigKey<Integer> REMOTE_MAX_TOKENS = add(ConfigKey.positiveInt(
            "remote.max-tokens-per-request",
            Integer.toString(RemoteOptions.DEFAULT_MAX_TOKENS_PER_REQUEST),
            "Tokens per request at most, counted with the local tokenizer " + "(the server's payload limit)."));
    public static final ConfigKey<Long> REMOTE_TIMEOUT = add(ConfigKey.duration(
            "remote.timeout",
            RemoteOptions.DEFAULT_TIMEOUT_MILLIS / 1000 + "s",
            "Timeout of one request; a timed-out request is retried."));
    public static final ConfigKey<Integer> REMOTE_MAX_RETRIES = add(ConfigKey.nonNegativeInt(
            "remote.max-retries",
            Integer.toString(RemoteOptions.DEFAULT_MAX_RETRIES),
            "Retries of a request after 429, 5xx, a timeout, a dropped connection or an unreadable body; then the "
                    + "job fails (and restarts from its checkpoint)."));
    public static final ConfigKey<Long> REMOTE_RETRY_BACKOFF = add(ConfigKey.duration(
            "remote.retry-backoff",
            RemoteOptions.DEFAULT_RETRY_BACKOFF_MILLIS + "ms",
            "First retry delay, doubled per retry (each delay uniform in [d/2, d]); the server's Retry-After wins."));
    public static final ConfigKey<Long> REMOTE_MAX_BACKOFF = add(ConfigKey.duration(
            "remote.max-backoff", RemoteOptions.DEFAULT_MAX_BACKOFF_MILLIS / 1000 + "s", "Longest retry delay."));
    public static final ConfigKey<Integer> REMOTE_INITIAL_CONCURRENCY = add(ConfigKey.positiveInt(
            "remote.initial-concurrency",
            Integer.toString(RemoteOptions.DEFAULT_INITIAL_CONCURRENCY),
            "Requests in flight per slot at the start."));
    public static final ConfigKey<Integer> REMOTE_MAX_CONCURRENCY = add(ConfigKey.positiveInt(
            "remote.max-concurrency",
            Integer.toString(RemoteOptions.DEFAULT_MAX_CONCURRENCY),
            "Requests in flight per slot at most: the limit grows towards it while the "
                    + "server answers fast and halves on 429/503 or rising latency."));
    public static final ConfigKey<Long> REMOTE_MAX_WAIT = add(ConfigKey.duration(
            "remote.max-wait",
            RemoteOptions.DEFAULT_MAX_WAIT_MILLIS + "ms",
            "How long a chunk waits for others to share its request."));

    public static final ConfigKey<Integer> CHUNK_MAX_TOKENS = add(ConfigKey.positiveInt(
            "chunking.max-tokens", null, "Tokens per chunk, special tokens included (default: model.max-tokens)."));
    public static final ConfigKey<Integer> CHUNK_OVERLAP = add(ConfigKey.nonNegativeInt(
            "chunking.overlap-tokens",
            Integer.toString(ChunkingOptions.DEFAULT_OVERLAP_TOKENS),
            "Tokens shared by consecutive chunks of a long document."));
    public static final ConfigKey<Boolean> CHUNK_INCLUDE_TITLE = add(ConfigKey.bool(
            "chunking.include-title",
            "true",
            "Write the document title (when there is one) before each chunk's text for the model."));
    public static final ConfigKey<Integer> CHUNK_MAX_DOCUMENT_CHARS = add(ConfigKey.positiveInt(
            "chunking.max-document-chars",
            Long.toString(ChunkingOptions.DEFAULT_MAX_DOCUMENT_CHARS),
            "A longer document (in UTF-16 characters) is not embedded: it goes to the dead letters with the reason."));

    public static final ConfigKey<String> SOURCE_PATH = add(ConfigKey.string(
            "source.path",
            null,
            "Input file or directory (bulk: --input): a local path or a URI of any file system Flink has on the cluster "
                    + "(s3://bucket/prefix/, hdfs://…, gs://…)."));
    public static final ConfigKey<Long> SOURCE_SPLIT_SIZE = add(ConfigKey.bytes(
            "source.split-size",
            "64mb",
            "Largest byte range of a JSON Lines file one reader takes (smaller when that gives every slot a share, "
                    + "down to 1 MiB); Parquet files are split at their row groups."));
    public static final ConfigKey<String> SOURCE_FORMAT = add(ConfigKey.oneOf(
            "source.format",
            "auto",
            "Input format. Files: auto (by extension: .parquet, .jsonl/.json/.ndjson), parquet or jsonl. Kafka (stream "
                    + "job): auto or json (one JSON document per message; a tombstone deletes the document its key "
                    + "names) or debezium-json (Debezium change events with or without the schema wrapper: op c, r "
                    + "and u upsert the row in after, d and tombstones delete; see docs/cdc.md).",
            "auto",
            "parquet",
            "jsonl",
            "json",
            "debezium-json"));
    public static final ConfigKey<String> SOURCE_ON_UNREADABLE_FILE = add(ConfigKey.oneOf(
            "source.on-unreadable-file",
            "fail",
            "A file that cannot be read (bad Parquet footer, no permission): fail stops before any data moves, "
                    + "naming it; skip processes the other files and writes one dead letter per file left out.",
            "fail",
            "skip"));
    public static final ConfigKey<String> SOURCE_ID_COLUMN = add(ConfigKey.string(
            "source.id-column",
            "id",
            "Field holding the document id; for JSON and Debezium sources a comma-separated list makes a composite id "
                    + "(name=value pairs joined by commas in the order given, with \\\\, \\, and \\= escaped "
                    + "in values; one field gives its value alone). debezium-json: unset takes the message key's "
                    + "primary-key columns."));
    public static final ConfigKey<String> SOURCE_TEXT_COLUMN = add(ConfigKey.string(
            "source.text-column",
            "text",
            "Field (Parquet: column) embedded as the text; a comma-separated list is joined with a blank line between "
                    + "fields (null and empty ones left out)."));
    public static final ConfigKey<String> SOURCE_TITLE_COLUMN = add(ConfigKey.string(
            "source.title-column", null, "Field holding an optional title (JSON sources: title when unset)."));
    public static final ConfigKey<String> SOURCE_METADATA_COLUMNS = add(ConfigKey.string(
            "source.metadata-columns",
            null,
            "Fields (Parquet: columns) copied into each chunk's metadata, comma-separated (numbers and booleans as "
                    + "their text, JSON objects and arrays as JSON, null left out). A JSON document's \"metadata\" "
                    + "object of strings is kept as well."));

    public static final ConfigKey<String> SINK_TYPE = add(ConfigKey.oneOf(
            "sink.type",
            null,
            "Where vectors go: parquet, kafka (stream job) or a vector store (" + String.join(", ", storeTypes())
                    + "; reindex, search, evaluate and versions read one). Bulk default parquet; stream default "
                    + "pgvector (parquet there is a change log under sink.path).",
            sinkTypes()));
    public static final ConfigKey<String> SINK_PATH = add(ConfigKey.string(
            "sink.path",
            null,
            "Bulk output directory: vectors under vectors/ (Parquet sink), dead letters under dead-letter/ "
                    + "(--output; with the pgvector sink it holds only the dead letters, default ./flink-embed-out). In a "
                    + "SQL vector table (flink-embed-pgvector): where refused documents go, under dead-letter/ (unset: "
                    + "a refused document fails the job with its reason)."));
    public static final ConfigKey<String> SINK_PARTITIONING = add(ConfigKey.oneOf(
            "sink.partitioning",
            "hour",
            "Stream job, Parquet change log: hour (folders dt=YYYY-MM-DD/hr=HH of the UTC hour the rows were "
                    + "written) or none.",
            "hour",
            "none"));
    public static final ConfigKey<String> SINK_PREVIOUS_PATH = add(ConfigKey.string(
            "sink.previous-path",
            null,
            "Bulk job, Parquet sink: an earlier output directory (--previous); chunks whose position, content hash and "
                    + "model fingerprint are in it keep their vectors, only the rest is embedded. The new output is a "
                    + "complete snapshot of the input."));

    // The vector stores' keys (pgvector.*, ...) are declared by each store's factory and added below.

    public static final ConfigKey<String> KAFKA_BOOTSTRAP = add(
            ConfigKey.string("kafka.bootstrap-servers", null, "Kafka brokers, host:port[,host:port...] (stream job)."));
    public static final ConfigKey<String> KAFKA_TOPIC = add(ConfigKey.string(
            "kafka.topic",
            null,
            "Topic of document changes: JSON {\"id\", \"text\", \"title\"?, \"metadata\"?, \"op\"?}, keyed by id."));
    public static final ConfigKey<String> KAFKA_GROUP_ID = add(ConfigKey.string(
            "kafka.group-id", "flink-embed", "Consumer group (offsets are committed on checkpoints, for monitoring)."));
    public static final ConfigKey<String> KAFKA_STARTING_OFFSETS = add(ConfigKey.oneOf(
            "kafka.starting-offsets",
            "committed",
            "Where a new job starts: the group's committed offsets (earliest when none), earliest or "
                    + "latest. A restore from a checkpoint or savepoint resumes where it was.",
            "committed",
            "earliest",
            "latest"));
    public static final ConfigKey<String> KAFKA_DEAD_LETTER_TOPIC = add(ConfigKey.string(
            "kafka.dead-letter-topic",
            null,
            "Topic for malformed messages: original key and bytes, reason in the header flink-embed.reason "
                    + "(default: <kafka.topic>.dead-letter)."));
    public static final ConfigKey<String> KAFKA_VECTORS_TOPIC = add(ConfigKey.string(
            "kafka.vectors-topic",
            null,
            "Also write vectors as JSON to this topic (required with sink.type=kafka); transactional, so "
                    + "read_committed consumers see each record once."));
    public static final ConfigKey<Long> KAFKA_TRANSACTION_TIMEOUT = add(ConfigKey.duration(
            "kafka.transaction-timeout",
            "15min",
            "Kafka transaction timeout of the exactly-once producers; must "
                    + "exceed job.checkpoint-interval plus restart time and not exceed the brokers' "
                    + "transaction.max.timeout.ms."));
    public static final ConfigKey<Long> KAFKA_CHECK_TIMEOUT = add(ConfigKey.duration(
            "kafka.check-timeout",
            "15s",
            "How long the client waits for the brokers when checking the configuration before the job starts."));
    public static final ConfigKey<Boolean> KAFKA_SKIP_UNCHANGED = add(ConfigKey.bool(
            "kafka.skip-unchanged",
            "true",
            "A change whose text, title and metadata equal the last version of that document this job saw is not "
                    + "embedded again (e.g. an UPDATE of a column that is not mapped). The job keeps a 16-byte "
                    + "fingerprint per document id in its checkpointed state."));
    public static final ConfigKey<String> KAFKA_PROPERTIES_FILE = add(ConfigKey.string(
            "kafka.properties-file",
            null,
            "A Kafka client.properties file (--kafka-properties), read by the client when the job is submitted, for "
                    + "every Kafka client of the job; kafka.properties.* keys override it. Secrets as ${env:NAME} or "
                    + "${file:path:key}, resolved where each client runs. See docs/kafka-security.md."));
    public static final ConfigKey<String> KAFKA_PROPERTIES = add(ConfigKey.string(
            "kafka.properties.*",
            null,
            "Any Kafka client property (security.protocol, sasl.mechanism, sasl.jaas.config, ssl.*, client.id, "
                    + "tuning) for every Kafka client of the job: the documents consumer, the vectors and dead-letter "
                    + "producers, the preflight's admin client. Password-type properties must reference a config "
                    + "provider (${env:NAME}, ${file:path:key}); literal secrets are refused."));
    public static final ConfigKey<String> KAFKA_SOURCE_PROPERTIES = add(ConfigKey.string(
            "kafka.source.properties.*",
            null,
            "Kafka client properties for the documents topic's consumer only (over kafka.properties.*)."));
    public static final ConfigKey<String> KAFKA_VECTORS_PROPERTIES = add(ConfigKey.string(
            "kafka.vectors.properties.*",
            null,
            "Kafka client properties for the vectors topic's producer only (over kafka.properties.*)."));
    public static final ConfigKey<String> KAFKA_DEAD_LETTER_PROPERTIES = add(ConfigKey.string(
            "kafka.dead-letter.properties.*",
            null,
            "Kafka client properties for the dead-letter topic's producer only (over kafka.properties.*)."));

    public static final ConfigKey<String> REINDEX_MODE = add(ConfigKey.oneOf(
            "reindex.mode",
            "incremental",
            "reindex: incremental (embed what changed, keep documents missing from the input) or full-sync (also "
                    + "delete the documents the input no longer has).",
            "incremental",
            "full-sync"));
    public static final ConfigKey<Double> REINDEX_MAX_DELETE_FRACTION = add(ConfigKey.fraction(
            "reindex.max-delete-fraction",
            "0.1",
            "reindex full-sync: if more than this share of the indexed documents "
                    + "would be deleted, nothing is written and the command exits 3 (override with --force)."));
    public static final ConfigKey<String> REINDEX_EVAL_QUERIES = add(ConfigKey.string(
            "reindex.eval-queries",
            null,
            "reindex model change: BEIR queries (JSON Lines) to measure the new version with before switching "
                    + "readers to it; with reindex.eval-qrels and reindex.min-ndcg10."));
    public static final ConfigKey<String> REINDEX_EVAL_QRELS = add(ConfigKey.string(
            "reindex.eval-qrels",
            null,
            "reindex model change: BEIR relevance judgements (TSV) for reindex.eval-queries."));
    public static final ConfigKey<Double> REINDEX_MIN_NDCG10 = add(ConfigKey.fraction(
            "reindex.min-ndcg10",
            null,
            "reindex model change: the new version goes live only if its nDCG@10 on the evaluation set reaches this; "
                    + "otherwise exit 5 and readers keep the live version."));
    public static final ConfigKey<Long> REINDEX_LOCK_LEASE = add(ConfigKey.duration(
            "reindex.lock-lease",
            "60s",
            "reindex: a run holds a lock on the table, renewed every third of this; a run that died without "
                    + "releasing it is taken over once the lease has expired (at once when it ran on this host)."));

    public static final ConfigKey<Integer> JOB_PARALLELISM = add(ConfigKey.positiveInt(
            "job.parallelism",
            "1",
            "Parallel slots (one model instance each; the weights are loaded once per TaskManager)."));
    public static final ConfigKey<Long> JOB_PROGRESS_INTERVAL = add(
            ConfigKey.duration("job.progress-interval", "10s", "How often a bounded job prints progress (0: never)."));
    public static final ConfigKey<Integer> JOB_RESTART_ATTEMPTS = add(ConfigKey.nonNegativeInt(
            "job.restart-attempts",
            "10",
            "Restarts after a failure (a TaskManager lost, a task failed) before the job fails for good, 5 s apart. "
                    + "Bulk and reindex: in the whole run (one lost TaskManager costs about 3: its tasks, then the "
                    + "readers of the results it held; only what the failure touched runs again). Stream: within "
                    + "job.restart-window, from the last checkpoint, so a systemic failure (database down longer than "
                    + "its retries, a bug) stops the job with its cause instead of restarting forever. Bad records "
                    + "never cause restarts: they go to the dead letters."));
    public static final ConfigKey<Long> JOB_RESTART_WINDOW = add(ConfigKey.duration(
            "job.restart-window",
            "10min",
            "Stream job: the window in which more than job.restart-attempts failures stop the job (Flink's "
                    + "failure-rate restart strategy)."));
    public static final ConfigKey<String> JOB_NAME = add(
            ConfigKey.string("job.name", null, "The Flink job name (default: flink-embed bulk / flink-embed stream)."));
    public static final ConfigKey<Long> JOB_CHECKPOINT_INTERVAL = add(ConfigKey.duration(
            "job.checkpoint-interval",
            "10s",
            "Stream job: exactly-once checkpoints this often (0: off, and then the Kafka outputs are "
                    + "at-least-once). pgvector writes and Kafka transactions are committed on checkpoints."));

    static {
        RerankKeys.ALL.forEach(JobOptions::add);
        ServeKeys.ALL.forEach(JobOptions::add);
        for (VectorStoreFactory store : VectorStores.all()) {
            store.options().forEach(JobOptions::add);
        }
    }

    /** The sink.type of the vector store a job uses when none is given. */
    public static final String DEFAULT_STORE = "pgvector";

    private JobOptions() {}

    private static List<String> storeTypes() {
        return VectorStores.all().stream().map(VectorStoreFactory::type).toList();
    }

    private static String[] sinkTypes() {
        List<String> all = new ArrayList<>(List.of("parquet", "kafka"));
        all.addAll(storeTypes());
        return all.toArray(String[]::new);
    }

    private static <T> ConfigKey<T> add(ConfigKey<T> key) {
        if (KEYS.putIfAbsent(key.name(), key) != null) {
            throw new IllegalStateException("configuration key '" + key.name() + "' is declared twice");
        }
        return key;
    }

    /**
     * The key declared as {@code name}, or the family ({@code prefix.*}) {@code name} belongs to, e.g.
     * {@code kafka.properties.security.protocol} → {@code kafka.properties.*}; null when neither.
     */
    public static ConfigKey<?> find(String name) {
        ConfigKey<?> key = KEYS.get(name);
        if (key != null) {
            return key;
        }
        for (ConfigKey<?> k : KEYS.values()) {
            if (k.name().endsWith(".*")) {
                String prefix = familyPrefix(k);
                if (name.startsWith(prefix) && name.length() > prefix.length()) {
                    return k;
                }
            }
        }
        return null;
    }

    /** {@code kafka.properties.} for the family {@code kafka.properties.*}. */
    static String familyPrefix(ConfigKey<?> family) {
        if (!family.name().endsWith(".*")) {
            throw new IllegalArgumentException(family.name() + " is not a family of keys");
        }
        return family.name().substring(0, family.name().length() - 1);
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

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(
                        Math.min(cur[j - 1] + 1, prev[j] + 1),
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
