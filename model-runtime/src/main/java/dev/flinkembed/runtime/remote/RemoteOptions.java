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
public record RemoteOptions(String url, String model, String apiKeyEnv, Integer dimensions, String encodingFormat,
                            int maxInputsPerRequest, int maxTokensPerRequest, long timeoutMillis, int maxRetries,
                            long retryBackoffMillis, long maxBackoffMillis, int initialConcurrency, int maxConcurrency,
                            long maxWaitMillis) implements Serializable {

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

    /** Every default (the configuration keys remote.* take theirs from these); change what differs with the withers. */
    public static RemoteOptions defaults(String url, String model) {
        return new RemoteOptions(url, model, null, null, DEFAULT_ENCODING, DEFAULT_MAX_INPUTS_PER_REQUEST,
                DEFAULT_MAX_TOKENS_PER_REQUEST, DEFAULT_TIMEOUT_MILLIS, DEFAULT_MAX_RETRIES, DEFAULT_RETRY_BACKOFF_MILLIS,
                DEFAULT_MAX_BACKOFF_MILLIS, DEFAULT_INITIAL_CONCURRENCY, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_WAIT_MILLIS);
    }

    public RemoteOptions withRetries(int retries, long backoffMillis, long maxBackoffMillis) {
        return new RemoteOptions(url, model, apiKeyEnv, dimensions, encodingFormat, maxInputsPerRequest,
                maxTokensPerRequest, timeoutMillis, retries, backoffMillis, maxBackoffMillis, initialConcurrency,
                maxConcurrency, maxWaitMillis);
    }

    public RemoteOptions withLimits(int maxInputs, int maxTokens, long timeout) {
        return new RemoteOptions(url, model, apiKeyEnv, dimensions, encodingFormat, maxInputs, maxTokens, timeout,
                maxRetries, retryBackoffMillis, maxBackoffMillis, initialConcurrency, maxConcurrency, maxWaitMillis);
    }

    public RemoteOptions withEncoding(String format, Integer dims) {
        return new RemoteOptions(url, model, apiKeyEnv, dims, format, maxInputsPerRequest, maxTokensPerRequest,
                timeoutMillis, maxRetries, retryBackoffMillis, maxBackoffMillis, initialConcurrency, maxConcurrency,
                maxWaitMillis);
    }

    public URI endpoint() {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return URI.create(base.endsWith("/embeddings") ? base : base + "/embeddings");
    }
}
