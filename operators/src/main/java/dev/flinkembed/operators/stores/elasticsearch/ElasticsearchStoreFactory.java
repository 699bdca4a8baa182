package dev.flinkembed.operators.stores.elasticsearch;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.config.ConfigKey;
import dev.flinkembed.operators.config.ConfigReader;
import dev.flinkembed.operators.config.Secrets;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.VectorStoreFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code sink.type: elasticsearch}: its keys and how an {@link ElasticsearchStore} is made from them. */
public final class ElasticsearchStoreFactory implements VectorStoreFactory {

    public static final String TYPE = "elasticsearch";

    public static final ConfigKey<String> URL = ConfigKey.string(
            "elasticsearch.url", null, "Elasticsearch 8.x/9.x node or load balancer, e.g. https://es:9200 (--es-url).");
    public static final ConfigKey<String> INDEX = ConfigKey.string(
            "elasticsearch.index",
            null,
            "Vectors index (an alias once versioned), one document per chunk with _id doc_id#chunk_index; created "
                    + "when missing (--index).");
    public static final ConfigKey<String> API_KEY_ENV = ConfigKey.string(
            "elasticsearch.api-key-env",
            "ES_API_KEY",
            "Environment variable holding an API key (the 'encoded' value Elasticsearch returns); used when set.");
    public static final ConfigKey<String> USER =
            ConfigKey.string("elasticsearch.user", null, "User for basic authentication (when no API key is set).");
    public static final ConfigKey<String> PASSWORD_ENV = ConfigKey.string(
            "elasticsearch.password-env",
            "ES_PASSWORD",
            "Environment variable holding the password of elasticsearch.user (never put passwords in config files).");
    public static final ConfigKey<String> CA_FILE = ConfigKey.string(
            "elasticsearch.ca-file",
            null,
            "PEM file of the CA that signed the node's HTTPS certificate (e.g. config/certs/http_ca.crt of a "
                    + "default install); unset: the JVM's trust store.");
    public static final ConfigKey<Boolean> CREATE_INDEX = ConfigKey.bool(
            "elasticsearch.create-index", "true", "Create the index (strict mapping, dense_vector) when missing.");
    public static final ConfigKey<String> INDEX_TYPE = ConfigKey.oneOf(
            "elasticsearch.index-type",
            "hnsw",
            "dense_vector index_options type: float HNSW, or quantized (int8/int4/bbq) HNSW, or flat (exact).",
            EsOptions.INDEX_TYPES.toArray(String[]::new));
    public static final ConfigKey<Integer> HNSW_M =
            ConfigKey.positiveInt("elasticsearch.hnsw-m", "16", "HNSW graph neighbours per node (m).");
    public static final ConfigKey<Integer> HNSW_EF_CONSTRUCTION = ConfigKey.positiveInt(
            "elasticsearch.hnsw-ef-construction", "100", "HNSW candidates while building (ef_construction).");
    public static final ConfigKey<Integer> NUM_CANDIDATES = ConfigKey.positiveInt(
            "elasticsearch.num-candidates",
            "100",
            "kNN candidates per shard at search time (num_candidates; at least k): higher is more exact and slower.");
    public static final ConfigKey<Double> RESCORE_OVERSAMPLE = ConfigKey.nonNegativeDouble(
            "elasticsearch.rescore-oversample",
            "0",
            "For a quantized index (int8/int4/bbq): kNN rescores k × this many candidates with the float vectors "
                    + "(rescore_vector, Elasticsearch 8.18+), which wins back the recall quantization costs; 0: off.");
    public static final ConfigKey<Integer> SHARDS =
            ConfigKey.positiveInt("elasticsearch.shards", "1", "Primary shards of an index flink-embed creates.");
    public static final ConfigKey<Integer> REPLICAS = ConfigKey.nonNegativeInt(
            "elasticsearch.replicas", "1", "Replicas of an index flink-embed creates (0 on a single node).");
    public static final ConfigKey<Integer> BATCH_SIZE = ConfigKey.positiveInt(
            "elasticsearch.batch-size",
            "500",
            "Buffered chunks per _bulk request (writes also happen on every checkpoint and every "
                    + "elasticsearch.flush-interval).");
    public static final ConfigKey<Long> FLUSH_INTERVAL = ConfigKey.duration(
            "elasticsearch.flush-interval",
            "1s",
            "A non-empty buffer is written at least this often (0: only by size and on checkpoints).");
    public static final ConfigKey<Integer> MAX_RETRIES = ConfigKey.nonNegativeInt(
            "elasticsearch.max-retries",
            "5",
            "Retries of a write refused as overloaded or unavailable (429/503, per request or per item) or lost "
                    + "in transit.");
    public static final ConfigKey<Long> RETRY_BACKOFF = ConfigKey.duration(
            "elasticsearch.retry-backoff",
            "200ms",
            "First retry delay; doubles on each retry (each delay uniform in [d/2, d]), up to 30 s.");
    public static final ConfigKey<Long> REQUEST_TIMEOUT =
            ConfigKey.duration("elasticsearch.request-timeout", "60s", "How long one request may take.");

    private static final List<ConfigKey<?>> OPTIONS = List.of(
            URL,
            INDEX,
            API_KEY_ENV,
            USER,
            PASSWORD_ENV,
            CA_FILE,
            CREATE_INDEX,
            INDEX_TYPE,
            HNSW_M,
            HNSW_EF_CONSTRUCTION,
            NUM_CANDIDATES,
            RESCORE_OVERSAMPLE,
            SHARDS,
            REPLICAS,
            BATCH_SIZE,
            FLUSH_INTERVAL,
            MAX_RETRIES,
            RETRY_BACKOFF,
            REQUEST_TIMEOUT);

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<ConfigKey<?>> options() {
        return OPTIONS;
    }

    /** Names, limits and credentials are checked here, the node by {@link ElasticsearchStore#prepare()}. */
    @Override
    public VectorStore create(ConfigReader c, int dimensions) {
        String url = c.require(URL, "pass --es-url http(s)://HOST:9200");
        if (!url.matches("https?://[^\\s/]+(/.*)?")) {
            throw ConfigException.badValue(URL.name(), url, "an http:// or https:// URL");
        }
        if (url.matches("https?://[^/]*@.*")) {
            throw new ConfigException("configuration key 'elasticsearch.url': credentials in the URL are not "
                    + "accepted; put an API key in the variable named by elasticsearch.api-key-env (or a password "
                    + "in elasticsearch.password-env)");
        }
        String index = c.require(INDEX, "pass --index NAME");
        try {
            EsOptions.checkIndexName(index);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("configuration key 'elasticsearch.index': " + e.getMessage());
        }
        if (dimensions > EsOptions.MAX_DIMENSIONS) {
            throw ConfigException.badValue(
                    "model.dimensions",
                    Integer.toString(dimensions),
                    "at most " + EsOptions.MAX_DIMENSIONS + " for an Elasticsearch dense_vector");
        }
        String type = c.get(INDEX_TYPE);
        if (type.startsWith("bbq") && dimensions < 64) {
            throw new ConfigException("configuration key 'elasticsearch.index-type': " + type + " needs at least 64 "
                    + "dimensions, the vectors have " + dimensions);
        }
        if (type.startsWith("int4") && dimensions % 2 != 0) {
            throw new ConfigException("configuration key 'elasticsearch.index-type': " + type + " needs an even "
                    + "number of dimensions, the vectors have " + dimensions);
        }
        String caFile = c.get(CA_FILE);
        if (caFile != null) {
            if (!Files.isReadable(Path.of(caFile))) {
                throw ConfigException.badValue(CA_FILE.name(), caFile, "a readable PEM file");
            }
            try {
                EsClient.trusting(Path.of(caFile));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("configuration key '" + CA_FILE.name() + "': " + e.getMessage());
            }
        }
        String apiKey = secret(c, API_KEY_ENV);
        String user = c.get(USER);
        String password = user == null ? null : secret(c, PASSWORD_ENV);
        return new ElasticsearchStore(EsOptions.builder(url, index, dimensions)
                .apiKey(apiKey)
                .user(apiKey == null ? user : null)
                .password(apiKey == null ? password : null)
                .caFile(caFile)
                .createIndex(c.get(CREATE_INDEX))
                .indexType(type)
                .hnsw(c.get(HNSW_M), c.get(HNSW_EF_CONSTRUCTION))
                .numCandidates(c.get(NUM_CANDIDATES))
                .rescoreOversample(c.get(RESCORE_OVERSAMPLE))
                .shards(c.get(SHARDS))
                .replicas(c.get(REPLICAS))
                .batchSize(c.get(BATCH_SIZE))
                .flushIntervalMillis(c.get(FLUSH_INTERVAL))
                .maxRetries(c.get(MAX_RETRIES))
                .retryBackoffMillis(c.get(RETRY_BACKOFF))
                .requestTimeoutMillis(c.get(REQUEST_TIMEOUT))
                .build());
    }

    /** The value of the environment variable a key names: null when unset, unless the key was set explicitly. */
    private static String secret(ConfigReader c, ConfigKey<String> key) {
        String variable = c.get(key);
        if (c.isSet(key)) {
            return Secrets.fromEnvironment(key.name(), variable);
        }
        String value = variable == null ? null : System.getenv(variable);
        return value == null || value.isEmpty() ? null : value;
    }

    /** Readers never create an index: the vector length is a placeholder (1) that search and versions never read. */
    @Override
    public VectorStore forReading(ConfigReader c) {
        return create(c.overriding(Map.of(CREATE_INDEX, "false", INDEX_TYPE, "hnsw")), 1);
    }
}
