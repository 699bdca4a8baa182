package dev.flinkembed.operators.stores.elasticsearch;

import java.io.Serializable;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where and how vectors are written to Elasticsearch. The credentials (an API key, or a user and password) are read
 * from environment variables on the client and never appear in {@link #toString}, messages or logs.
 *
 * @param url          the node or load balancer, e.g. https://es:9200 (no credentials in it)
 * @param index        the name readers query: an index, or an alias once the collection is versioned
 * @param dimensions   the vectors' length (the dense_vector's dims)
 * @param indexType    dense_vector index_options type: hnsw, int8_hnsw, int4_hnsw, bbq_hnsw, flat, int8_flat, ...
 * @param rescoreOversample for a quantized index: kNN rescores k × this many candidates with the float vectors
 *                     (Elasticsearch 8.18+ {@code rescore_vector}); 0 = off
 * @param caFile       a PEM file of the CA that signed the node's HTTPS certificate (null: the JVM's trust store)
 */
public record EsOptions(
        String url,
        String index,
        int dimensions,
        String apiKey,
        String user,
        String password,
        String caFile,
        boolean createIndex,
        String indexType,
        int hnswM,
        int efConstruction,
        int numCandidates,
        double rescoreOversample,
        int shards,
        int replicas,
        int batchSize,
        long flushIntervalMillis,
        int maxRetries,
        long retryBackoffMillis,
        long requestTimeoutMillis)
        implements Serializable {

    /** Elasticsearch's own limit for dense_vector dims. */
    public static final int MAX_DIMENSIONS = 4096;

    public static final List<String> INDEX_TYPES =
            List.of("hnsw", "int8_hnsw", "int4_hnsw", "bbq_hnsw", "flat", "int8_flat", "int4_flat", "bbq_flat");

    /**
     * Index names we accept: Elasticsearch's rules (lower case, no {@code \/*?"<>| ,#:}, not starting with - _ +)
     * narrowed to letters, digits, - _ and . so a name is safe in a URL path without escaping.
     */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,199}");

    public EsOptions {
        checkIndexName(index);
        if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
            throw new IllegalArgumentException(
                    "Elasticsearch dense_vector dims must be 1.." + MAX_DIMENSIONS + ", got " + dimensions);
        }
        if (!INDEX_TYPES.contains(indexType)) {
            throw new IllegalArgumentException("index type '" + indexType + "' is not one of " + INDEX_TYPES);
        }
    }

    public static void checkIndexName(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.contains("__v") && !name.matches(".*__v\\d+")) {
            throw new IllegalArgumentException(
                    "Elasticsearch index name '" + name + "' is not accepted: use lower-"
                            + "case letters, digits, '-', '_' and '.', starting with a letter or digit, at most 200 characters");
        }
    }

    public static Builder builder(String url, String index, int dimensions) {
        return new Builder(url, index, dimensions);
    }

    /**
     * The same node and settings for another index (a version's physical index) with its own dimensions; it is never
     * created by a writer (the version's index is made by {@code startBuilding}).
     */
    public EsOptions withIndex(String otherIndex, int otherDimensions) {
        return new EsOptions(
                url,
                otherIndex,
                otherDimensions,
                apiKey,
                user,
                password,
                caFile,
                false,
                indexType,
                hnswM,
                efConstruction,
                numCandidates,
                rescoreOversample,
                shards,
                replicas,
                batchSize,
                flushIntervalMillis,
                maxRetries,
                retryBackoffMillis,
                requestTimeoutMillis);
    }

    /** The URL without any user info, for messages. */
    public String safeUrl() {
        return url == null ? null : url.replaceAll("//[^/@]*@", "//***@");
    }

    @Override
    public String toString() {
        return "Elasticsearch{" + safeUrl() + ", index " + index + ", dense_vector(" + dimensions + ", " + indexType
                + ")" + (apiKey != null ? ", api key" : user != null ? ", user " + user : "") + "}";
    }

    public static final class Builder {
        private final String url;
        private final String index;
        private final int dimensions;
        private String apiKey;
        private String user;
        private String password;
        private String caFile;
        private boolean createIndex = true;
        private String indexType = "hnsw";
        private int hnswM = 16;
        private int efConstruction = 100;
        private int numCandidates = 100;
        private double rescoreOversample = 0;
        private int shards = 1;
        private int replicas = 0;
        private int batchSize = 500;
        private long flushIntervalMillis = 1000;
        private int maxRetries = 5;
        private long retryBackoffMillis = 200;
        private long requestTimeoutMillis = 60_000;

        private Builder(String url, String index, int dimensions) {
            this.url = url;
            this.index = index;
            this.dimensions = dimensions;
        }

        public Builder apiKey(String v) {
            apiKey = v;
            return this;
        }

        public Builder user(String v) {
            user = v;
            return this;
        }

        public Builder password(String v) {
            password = v;
            return this;
        }

        public Builder caFile(String v) {
            caFile = v;
            return this;
        }

        public Builder createIndex(boolean v) {
            createIndex = v;
            return this;
        }

        public Builder indexType(String v) {
            indexType = v;
            return this;
        }

        public Builder hnsw(int m, int efConstructionValue) {
            hnswM = m;
            efConstruction = efConstructionValue;
            return this;
        }

        public Builder numCandidates(int v) {
            numCandidates = v;
            return this;
        }

        /** Quantized indices: rescore the top k × this many with the float vectors (0: off). */
        public Builder rescoreOversample(double v) {
            rescoreOversample = v;
            return this;
        }

        public Builder shards(int v) {
            shards = v;
            return this;
        }

        public Builder replicas(int v) {
            replicas = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder flushIntervalMillis(long v) {
            flushIntervalMillis = v;
            return this;
        }

        public Builder maxRetries(int v) {
            maxRetries = v;
            return this;
        }

        public Builder retryBackoffMillis(long v) {
            retryBackoffMillis = v;
            return this;
        }

        public Builder requestTimeoutMillis(long v) {
            requestTimeoutMillis = v;
            return this;
        }

        public EsOptions build() {
            return new EsOptions(
                    url,
                    index,
                    dimensions,
                    apiKey,
                    user,
                    password,
                    caFile,
                    createIndex,
                    indexType,
                    hnswM,
                    efConstruction,
                    numCandidates,
                    rescoreOversample,
                    shards,
                    replicas,
                    batchSize,
                    flushIntervalMillis,
                    maxRetries,
                    retryBackoffMillis,
                    requestTimeoutMillis);
        }
    }
}
