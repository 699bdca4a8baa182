package dev.flinkembed.runtime.remote;

import java.io.Serializable;
import java.net.URI;

/**
 * An OpenAI-compatible {@code /v1/embeddings} server (vLLM, vLLM-Ascend, TEI, OpenAI, flink-embed serve) and how to
 * drive it.
 *
 * @param url                  the API base, e.g. {@code http://npu-host:8000/v1} ({@code /embeddings} is appended)
 * @param model                the model name the server knows
 * @param apiKeyEnv            environment variable holding the API key (sent as a Bearer token; never logged)
 * @param dimensions           Matryoshka dimensions asked of the server (null: its default)
 * @param encodingFormat       {@code float} or {@code base64} (little-endian float32, a third of the JSON size)
 * @param maxInputsPerRequest  the server's batch limit: inputs per request at most
 * @param maxTokensPerRequest  the server's payload limit: tokens per request at most (by the local tokenizer)
 * @param maxRetries           retries of one request on 429, 5xx, timeouts, dropped connections and bad bodies
 * @param retryBackoffMillis   first backoff (doubled per retry, equal jitter: see Backoff); a Retry-After header wins
 * @param maxConcurrency       requests in flight per client at most; the adaptive limit grows up to it
 * @param maxWaitMillis        how long a lone input waits for company before its request goes out
 */
public record RemoteOptions(
        String url,
        String model,
        String apiKeyEnv,
        Integer dimensions,
        String encodingFormat,
        int maxInputsPerRequest,
        int maxTokensPerRequest,
        long timeoutMillis,
        int maxRetries,
        long retryBackoffMillis,
        long maxBackoffMillis,
        int initialConcurrency,
        int maxConcurrency,
        long maxWaitMillis)
        implements Serializable {

    public RemoteOptions {
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
            throw new IllegalArgumentException("remote url '" + url + "' must start with http:// or https://");
        }
        URI.create(url);
        if (!"float".equals(encodingFormat) && !"base64".equals(encodingFormat)) {
            throw new IllegalArgumentException("encoding format '" + encodingFormat + "': accepted float, base64");
        }
        if (maxInputsPerRequest < 1 || maxTokensPerRequest < 1 || maxConcurrency < 1 || initialConcurrency < 1) {
            throw new IllegalArgumentException("remote request limits and concurrency must be positive");
        }
    }

    public static final String DEFAULT_ENCODING = "float";
    public static final int DEFAULT_MAX_INPUTS_PER_REQUEST = 64;
    public static final int DEFAULT_MAX_TOKENS_PER_REQUEST = 16384;
    public static final long DEFAULT_TIMEOUT_MILLIS = 60_000;
    public static final int DEFAULT_MAX_RETRIES = 8;
    public static final long DEFAULT_RETRY_BACKOFF_MILLIS = 250;
    public static final long DEFAULT_MAX_BACKOFF_MILLIS = 20_000;
    public static final int DEFAULT_INITIAL_CONCURRENCY = 2;
    public static final int DEFAULT_MAX_CONCURRENCY = 8;
    public static final long DEFAULT_MAX_WAIT_MILLIS = 20;

    /** Options with every default (the configuration keys remote.* take theirs from these); change what differs. */
    public static Builder builder(String url, String model) {
        return new Builder(url, model);
    }

    public static final class Builder {
        private final String url;
        private final String model;
        private String apiKeyEnv;
        private Integer dimensions;
        private String encodingFormat = DEFAULT_ENCODING;
        private int maxInputsPerRequest = DEFAULT_MAX_INPUTS_PER_REQUEST;
        private int maxTokensPerRequest = DEFAULT_MAX_TOKENS_PER_REQUEST;
        private long timeoutMillis = DEFAULT_TIMEOUT_MILLIS;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private long retryBackoffMillis = DEFAULT_RETRY_BACKOFF_MILLIS;
        private long maxBackoffMillis = DEFAULT_MAX_BACKOFF_MILLIS;
        private int initialConcurrency = DEFAULT_INITIAL_CONCURRENCY;
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private long maxWaitMillis = DEFAULT_MAX_WAIT_MILLIS;

        private Builder(String url, String model) {
            this.url = url;
            this.model = model;
        }

        public Builder apiKeyEnv(String value) {
            apiKeyEnv = value;
            return this;
        }

        public Builder dimensions(Integer value) {
            dimensions = value;
            return this;
        }

        public Builder encodingFormat(String value) {
            encodingFormat = value;
            return this;
        }

        public Builder maxInputsPerRequest(int value) {
            maxInputsPerRequest = value;
            return this;
        }

        public Builder maxTokensPerRequest(int value) {
            maxTokensPerRequest = value;
            return this;
        }

        public Builder timeoutMillis(long value) {
            timeoutMillis = value;
            return this;
        }

        public Builder maxRetries(int value) {
            maxRetries = value;
            return this;
        }

        public Builder retryBackoffMillis(long value) {
            retryBackoffMillis = value;
            return this;
        }

        public Builder maxBackoffMillis(long value) {
            maxBackoffMillis = value;
            return this;
        }

        public Builder initialConcurrency(int value) {
            initialConcurrency = value;
            return this;
        }

        public Builder maxConcurrency(int value) {
            maxConcurrency = value;
            return this;
        }

        public Builder maxWaitMillis(long value) {
            maxWaitMillis = value;
            return this;
        }

        public RemoteOptions build() {
            return new RemoteOptions(
                    url,
                    model,
                    apiKeyEnv,
                    dimensions,
                    encodingFormat,
                    maxInputsPerRequest,
                    maxTokensPerRequest,
                    timeoutMillis,
                    maxRetries,
                    retryBackoffMillis,
                    maxBackoffMillis,
                    initialConcurrency,
                    maxConcurrency,
                    maxWaitMillis);
        }
    }

    /** The HTTP client both remote backends talk to the server with: HTTP/1.1, connecting within the timeout (≤ 10 s). */
    java.net.http.HttpClient httpClient() {
        return java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofMillis(Math.min(timeoutMillis, 10_000)))
                .build();
    }

    public URI endpoint() {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return URI.create(base.endsWith("/embeddings") ? base : base + "/embeddings");
    }
}
