package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.sinks.kafka.KafkaSinkOptions;
import dev.flinkembed.operators.sources.DocumentFields;
import dev.flinkembed.operators.sources.KafkaDocumentDeserializer;
import dev.flinkembed.operators.sources.KafkaSourceOptions;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.VectorStores;
import dev.flinkembed.runtime.batching.BatchPlanner;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.golden.GoldenVectors;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.remote.RemoteOptions;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Path;

/** Typed option objects for the operators, built from a validated configuration with the cross-key checks. */
public final class Settings {

    private Settings() {}

    public static ModelOptions model(JobConfig c) {
        String name = c.get(JobOptions.MODEL_NAME);
        int hidden;
        try {
            hidden = ModelFolderCache.hiddenSize(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("configuration key 'model.name': " + e.getMessage());
        }
        Precision precision = precision(c);
        if (precision == Precision.FP16 && BuiltinModels.isBuiltin(name)) {
            throw ConfigException.badValue(
                    "model.precision", "fp16", "accepted for " + name + ": fp32, int8 (fp16 is for Qwen3 models)");
        }
        Integer dims = c.get(JobOptions.MODEL_DIMENSIONS);
        if (dims != null && dims > hidden) {
            throw ConfigException.badValue(
                    "model.dimensions",
                    dims.toString(),
                    "accepted for " + name + ": 1.." + hidden + " (its hidden size)");
        }
        String pooling = c.get(JobOptions.MODEL_POOLING);
        return ModelOptions.builder(name)
                .pooling(pooling == null ? null : Pooling.parse(pooling))
                .normalize(c.get(JobOptions.MODEL_NORMALIZE))
                .maxTokens(c.get(JobOptions.MODEL_MAX_TOKENS))
                .dimensions(c.get(JobOptions.MODEL_DIMENSIONS))
                .queryPrefix(c.get(JobOptions.MODEL_QUERY_PREFIX))
                .documentPrefix(c.get(JobOptions.MODEL_DOCUMENT_PREFIX))
                .instruction(c.get(JobOptions.MODEL_INSTRUCTION))
                .precision(precision)
                .batching(
                        BatchPlanner.Strategy.TOKEN_BUDGET,
                        c.get(JobOptions.BATCH_TOKEN_BUDGET),
                        c.get(JobOptions.BATCH_MAX_SIZE))
                .build();
    }

    /** model.precision, or fp16 from the older model.float16=true; the two must not disagree. */
    public static Precision precision(JobConfig c) {
        Precision p = Precision.parse(c.get(JobOptions.MODEL_PRECISION));
        if (c.get(JobOptions.MODEL_FLOAT16)) {
            if (c.isSet(JobOptions.MODEL_PRECISION) && p != Precision.FP16) {
                throw new ConfigException("configuration keys 'model.float16' (true) and 'model.precision' ('" + p.key()
                        + "') disagree: set only model.precision (fp32, int8 or fp16)");
            }
            return Precision.FP16;
        }
        return p;
    }

    public static EmbeddingOptions embedding(JobConfig c) {
        int capacity = c.get(JobOptions.EMBED_CAPACITY);
        int maxSize = c.get(JobOptions.BATCH_MAX_SIZE);
        if (capacity <= maxSize) {
            throw new ConfigException("configuration key 'embed.capacity': value '" + capacity
                    + "' must exceed batch.max-size (" + maxSize + "), or batches could never fill");
        }
        GoldenVectors golden = null;
        if (c.isSet(JobOptions.MODEL_GOLDEN)) {
            if (c.get(JobOptions.EMBED_BACKEND).equals("remote")) {
                throw ConfigException.badValue(
                        "model.golden",
                        c.get(JobOptions.MODEL_GOLDEN),
                        "only with embed.backend=in-process (a remote server's model is checked by its operator)");
            }
            try { // read on the client: the vectors travel with the job, no file is needed on the TaskManagers
                golden = GoldenVectors.read(Path.of(c.get(JobOptions.MODEL_GOLDEN)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("configuration key 'model.golden': " + e.getMessage());
            }
        }
        return new EmbeddingOptions(
                model(c),
                c.get(JobOptions.BATCH_FLUSH_TOKENS),
                c.get(JobOptions.BATCH_MAX_WAIT),
                capacity,
                c.get(JobOptions.EMBED_TIMEOUT),
                remote(c),
                golden);
    }

    /** The remote backend's options, or null for the in-process model. */
    public static RemoteOptions remote(JobConfig c) {
        if (!c.get(JobOptions.EMBED_BACKEND).equals("remote")) {
            return null;
        }
        String url = c.require(JobOptions.REMOTE_URL, "needed with embed.backend=remote, e.g. http://host:8000/v1");
        String model = c.require(JobOptions.REMOTE_MODEL, "needed with embed.backend=remote: the server's model name");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw ConfigException.badValue("remote.url", url, "an http:// or https:// URL");
        }
        try {
            URI.create(url).toURL();
        } catch (IllegalArgumentException | MalformedURLException e) {
            throw ConfigException.badValue(
                    "remote.url", url, "a valid http:// or https:// URL (" + e.getMessage() + ")");
        }
        String keyEnv = c.get(JobOptions.REMOTE_API_KEY_ENV);
        if (keyEnv != null && System.getenv(keyEnv) == null) {
            throw new ConfigException(
                    "configuration key 'remote.api-key-env': environment variable '" + keyEnv + "' is not set");
        }
        int initial = c.get(JobOptions.REMOTE_INITIAL_CONCURRENCY);
        int max = c.get(JobOptions.REMOTE_MAX_CONCURRENCY);
        if (initial > max) {
            throw new ConfigException("configuration key 'remote.initial-concurrency': value '" + initial
                    + "' exceeds remote.max-concurrency (" + max + ")");
        }
        return RemoteOptions.builder(url, model)
                .apiKeyEnv(keyEnv)
                .dimensions(c.get(JobOptions.MODEL_DIMENSIONS))
                .encodingFormat(c.get(JobOptions.REMOTE_ENCODING))
                .maxInputsPerRequest(c.get(JobOptions.REMOTE_MAX_INPUTS))
                .maxTokensPerRequest(c.get(JobOptions.REMOTE_MAX_TOKENS))
                .timeoutMillis(c.get(JobOptions.REMOTE_TIMEOUT))
                .maxRetries(c.get(JobOptions.REMOTE_MAX_RETRIES))
                .retryBackoffMillis(c.get(JobOptions.REMOTE_RETRY_BACKOFF))
                .maxBackoffMillis(c.get(JobOptions.REMOTE_MAX_BACKOFF))
                .initialConcurrency(initial)
                .maxConcurrency(max)
                .maxWaitMillis(c.get(JobOptions.REMOTE_MAX_WAIT))
                .build();
    }

    public static ChunkingOptions chunking(JobConfig c) {
        Integer max = c.get(JobOptions.CHUNK_MAX_TOKENS);
        Integer modelMax = c.get(JobOptions.MODEL_MAX_TOKENS);
        if (max != null && modelMax != null && max > modelMax) {
            throw new ConfigException("configuration key 'chunking.max-tokens': value '" + max
                    + "' exceeds model.max-tokens (" + modelMax + ")");
        }
        int overlap = c.get(JobOptions.CHUNK_OVERLAP);
        if (max != null && overlap >= max / 2) {
            throw new ConfigException("configuration key 'chunking.overlap-tokens': value '" + overlap
                    + "' must be below half of chunking.max-tokens (" + max + ")");
        }
        return new ChunkingOptions(
                max, overlap, c.get(JobOptions.CHUNK_INCLUDE_TITLE), c.get(JobOptions.CHUNK_MAX_DOCUMENT_CHARS));
    }

    /** The length of the vectors the job writes: model.dimensions, or the model's hidden size. */
    public static int outputDimensions(JobConfig c) {
        Integer dims = c.get(JobOptions.MODEL_DIMENSIONS);
        return dims != null ? dims : ModelFolderCache.hiddenSize(c.get(JobOptions.MODEL_NAME));
    }

    /** The vector store of {@code type} for this job's vectors; its keys are checked here, the store later. */
    public static VectorStore store(JobConfig c, String type) {
        return VectorStores.get(JobOptions.SINK_TYPE.name(), type).create(c, outputDimensions(c));
    }

    /** The vector store named by sink.type (default pgvector) for commands that only read it. */
    public static VectorStore storeForReading(JobConfig c) {
        String type = c.isSet(JobOptions.SINK_TYPE) ? c.get(JobOptions.SINK_TYPE) : JobOptions.DEFAULT_STORE;
        return VectorStores.get(JobOptions.SINK_TYPE.name(), type).forReading(c);
    }

    /** source.format for files: auto, parquet or jsonl. */
    public static String fileFormat(JobConfig c) {
        String format = c.get(JobOptions.SOURCE_FORMAT);
        if (format.equals(KafkaDocumentDeserializer.JSON) || format.equals(KafkaDocumentDeserializer.DEBEZIUM_JSON)) {
            throw ConfigException.badValue(
                    JobOptions.SOURCE_FORMAT.name(),
                    format,
                    "for input files: auto, parquet, jsonl (json and debezium-json are formats of Kafka messages; a "
                            + "file of JSON documents is jsonl)");
        }
        return format;
    }

    /** Where a document is in a JSON object (JSON Lines files, json messages). */
    public static DocumentFields jsonFields(JobConfig c) {
        return DocumentFields.of(
                c.get(JobOptions.SOURCE_ID_COLUMN),
                c.get(JobOptions.SOURCE_TEXT_COLUMN),
                c.get(JobOptions.SOURCE_TITLE_COLUMN),
                c.get(JobOptions.SOURCE_METADATA_COLUMNS));
    }

    public static KafkaSourceOptions kafkaSource(JobConfig c) {
        String format = c.get(JobOptions.SOURCE_FORMAT);
        if (format.equals("auto")) {
            format = KafkaDocumentDeserializer.JSON;
        }
        if (!format.equals(KafkaDocumentDeserializer.JSON) && !format.equals(KafkaDocumentDeserializer.DEBEZIUM_JSON)) {
            throw ConfigException.badValue(
                    JobOptions.SOURCE_FORMAT.name(), format, "for a Kafka topic: json, debezium-json (or auto: json)");
        }
        // Debezium: the id is the message key's columns unless fields of the row are named.
        boolean idFromKey =
                format.equals(KafkaDocumentDeserializer.DEBEZIUM_JSON) && !c.isSet(JobOptions.SOURCE_ID_COLUMN);
        DocumentFields fields = DocumentFields.of(
                idFromKey ? null : c.get(JobOptions.SOURCE_ID_COLUMN),
                c.get(JobOptions.SOURCE_TEXT_COLUMN),
                c.get(JobOptions.SOURCE_TITLE_COLUMN),
                c.get(JobOptions.SOURCE_METADATA_COLUMNS));
        if (fields.text().isEmpty() || (fields.id() != null && fields.id().isEmpty())) {
            throw ConfigException.badValue(
                    fields.text().isEmpty() ? JobOptions.SOURCE_TEXT_COLUMN.name() : JobOptions.SOURCE_ID_COLUMN.name(),
                    fields.text().isEmpty() ? c.get(JobOptions.SOURCE_TEXT_COLUMN) : c.get(JobOptions.SOURCE_ID_COLUMN),
                    "one field name or several, comma-separated");
        }
        return new KafkaSourceOptions(
                c.require(JobOptions.KAFKA_BOOTSTRAP, "pass --bootstrap-servers HOST:PORT"),
                c.require(JobOptions.KAFKA_TOPIC, "pass --topic NAME"),
                c.get(JobOptions.KAFKA_GROUP_ID),
                c.get(JobOptions.KAFKA_STARTING_OFFSETS),
                KafkaClientProperties.of(c, KafkaClientProperties.Role.SOURCE),
                format,
                fields);
    }

    public static String deadLetterTopic(JobConfig c) {
        String t = c.get(JobOptions.KAFKA_DEAD_LETTER_TOPIC);
        return t != null ? t : c.get(JobOptions.KAFKA_TOPIC) + ".dead-letter";
    }

    /**
     * A Kafka output with its role's client properties; exactly-once when checkpointing is on. The role keeps the
     * transactional ids apart.
     */
    public static KafkaSinkOptions kafkaSink(JobConfig c, String topic, KafkaClientProperties.Role role) {
        boolean exactlyOnce = c.get(JobOptions.JOB_CHECKPOINT_INTERVAL) > 0;
        long timeout = c.get(JobOptions.KAFKA_TRANSACTION_TIMEOUT);
        if (exactlyOnce && timeout <= c.get(JobOptions.JOB_CHECKPOINT_INTERVAL)) {
            throw new ConfigException("configuration key 'kafka.transaction-timeout': value '" + timeout
                    + " ms' must exceed job.checkpoint-interval, or transactions would expire before their commit");
        }
        String name = role == KafkaClientProperties.Role.VECTORS ? "vectors" : "dead-letters";
        String prefix =
                ("flink-embed-" + c.get(JobOptions.KAFKA_GROUP_ID) + "-" + name).replaceAll("[^A-Za-z0-9._-]", "_");
        return new KafkaSinkOptions(
                c.get(JobOptions.KAFKA_BOOTSTRAP),
                topic,
                exactlyOnce,
                prefix,
                timeout,
                KafkaClientProperties.of(c, role));
    }
}
