package dev.flinkembed.serve;

import dev.flinkembed.runtime.loading.ModelOptions;
import java.nio.file.Path;

/**
 * The embedding server's settings.
 *
 * @param servedName       the model id clients send and {@code /v1/models} lists
 * @param maxQueuedInputs  inputs admitted and not yet answered at most; beyond that requests get 429 + Retry-After
 * @param maxInputsPerRequest inputs in one request at most (400 beyond)
 * @param flushTokens      the micro-batcher runs the model once this many tokens wait (requests batched together)
 * @param maxWaitMillis    ... or once the oldest input waited this long
 * @param apiKey           when set, every endpoint but {@code /health} wants {@code Authorization: Bearer <apiKey>}
 * @param metricsWithoutKey {@code /metrics} stays open with a key set (for scrapers that send no credentials)
 * @param maxRequestBytes  a larger body gets 413 before it is read
 * @param readTimeoutSeconds a request not fully received by then has its connection closed (no worker waits on it)
 * @param tls              HTTPS with this key store, or null for plain HTTP
 */
public record ServeOptions(
        ModelOptions model,
        String servedName,
        String host,
        int port,
        int maxQueuedInputs,
        int maxInputsPerRequest,
        long flushTokens,
        long maxWaitMillis,
        int threads,
        String apiKey,
        boolean metricsWithoutKey,
        long maxRequestBytes,
        int readTimeoutSeconds,
        TlsKeystore tls) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_QUEUED_INPUTS = 4096;
    /** As OpenAI's API. */
    public static final int DEFAULT_MAX_INPUTS_PER_REQUEST = 2048;

    public static final long DEFAULT_FLUSH_TOKENS = 16384;
    public static final long DEFAULT_MAX_WAIT_MILLIS = 5;
    public static final int DEFAULT_THREADS = 64;
    /** 4 MiB: 2048 inputs of ~500 words each, JSON-escaped; OpenAI caps a request at 300k tokens (~1.2 MB of text). */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 4L << 20;

    public static final int DEFAULT_READ_TIMEOUT_SECONDS = 30;

    /** A PKCS#12 (or JKS) key store and its password, for HTTPS. */
    public record TlsKeystore(Path path, String password) {
        @Override
        public String toString() {
            return "TlsKeystore{" + path + "}"; // never the password
        }
    }

    @Override
    public String toString() { // the record's own would print the API key
        return "ServeOptions{" + servedName + " on " + host + ":" + port + (apiKey != null ? ", API key set" : "")
                + (tls != null ? ", TLS " + tls : "") + "}";
    }

    /** Settings with every default; change what differs. */
    public static Builder builder(ModelOptions model, String servedName) {
        return new Builder(model, servedName);
    }

    public static final class Builder {
        private final ModelOptions model;
        private final String servedName;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private int maxQueuedInputs = DEFAULT_MAX_QUEUED_INPUTS;
        private int maxInputsPerRequest = DEFAULT_MAX_INPUTS_PER_REQUEST;
        private long flushTokens = DEFAULT_FLUSH_TOKENS;
        private long maxWaitMillis = DEFAULT_MAX_WAIT_MILLIS;
        private int threads = DEFAULT_THREADS;
        private String apiKey;
        private boolean metricsWithoutKey;
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int readTimeoutSeconds = DEFAULT_READ_TIMEOUT_SECONDS;
        private TlsKeystore tls;

        private Builder(ModelOptions model, String servedName) {
            this.model = model;
            this.servedName = servedName;
        }

        public Builder host(String value) {
            host = value;
            return this;
        }

        /** 0: any free port. */
        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder maxQueuedInputs(int value) {
            maxQueuedInputs = value;
            return this;
        }

        public Builder maxInputsPerRequest(int value) {
            maxInputsPerRequest = value;
            return this;
        }

        public Builder flushTokens(long value) {
            flushTokens = value;
            return this;
        }

        public Builder maxWaitMillis(long value) {
            maxWaitMillis = value;
            return this;
        }

        public Builder threads(int value) {
            threads = value;
            return this;
        }

        /** Null: no key, every client is served. */
        public Builder apiKey(String value) {
            apiKey = value;
            return this;
        }

        public Builder metricsWithoutKey(boolean value) {
            metricsWithoutKey = value;
            return this;
        }

        public Builder maxRequestBytes(long value) {
            maxRequestBytes = value;
            return this;
        }

        public Builder readTimeoutSeconds(int value) {
            readTimeoutSeconds = value;
            return this;
        }

        public Builder tls(TlsKeystore value) {
            tls = value;
            return this;
        }

        public ServeOptions build() {
            return new ServeOptions(
                    model,
                    servedName,
                    host,
                    port,
                    maxQueuedInputs,
                    maxInputsPerRequest,
                    flushTokens,
                    maxWaitMillis,
                    threads,
                    apiKey,
                    metricsWithoutKey,
                    maxRequestBytes,
                    readTimeoutSeconds,
                    tls);
        }
    }
}
