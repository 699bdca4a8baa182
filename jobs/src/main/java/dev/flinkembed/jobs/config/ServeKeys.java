package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.config.ConfigKey;
import dev.flinkembed.operators.config.ConfigReader;
import dev.flinkembed.operators.config.Secrets;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.serve.ServeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code serve}'s keys, beside the server that reads them: the same system as the jobs' (YAML, --set, flags), so a
 * server is configured like a job and documented with it. The model comes from the jobs' {@code model.*} keys.
 */
public final class ServeKeys {

    public static final ConfigKey<String> HOST = ConfigKey.string(
            "serve.host", ServeOptions.DEFAULT_HOST, "Address to bind (0.0.0.0 for every interface; --host).");
    public static final ConfigKey<Integer> PORT = ConfigKey.nonNegativeInt(
            "serve.port", Integer.toString(ServeOptions.DEFAULT_PORT), "Port (0: any free port; --port).");
    public static final ConfigKey<String> SERVED_MODEL_NAME = ConfigKey.string(
            "serve.served-model-name",
            null,
            "The model id clients send and GET /v1/models lists (default: the model's name, e.g. "
                    + "all-minilm-l6-v2 or the folder's name; --served-model-name).");
    public static final ConfigKey<Integer> MAX_QUEUED_INPUTS = ConfigKey.positiveInt(
            "serve.max-queued-inputs",
            Integer.toString(ServeOptions.DEFAULT_MAX_QUEUED_INPUTS),
            "Inputs admitted at once; beyond that requests get 429 with Retry-After (--max-queued-inputs).");
    public static final ConfigKey<Integer> MAX_INPUTS_PER_REQUEST = ConfigKey.positiveInt(
            "serve.max-inputs-per-request",
            Integer.toString(ServeOptions.DEFAULT_MAX_INPUTS_PER_REQUEST),
            "Inputs in one request at most, as OpenAI's API (400 beyond; --max-inputs-per-request).");
    public static final ConfigKey<Integer> FLUSH_TOKENS = ConfigKey.positiveInt(
            "serve.flush-tokens",
            Long.toString(ServeOptions.DEFAULT_FLUSH_TOKENS),
            "Waiting tokens that make the model run: concurrent requests are batched together (--flush-tokens).");
    public static final ConfigKey<Long> MAX_WAIT = ConfigKey.duration(
            "serve.max-wait",
            ServeOptions.DEFAULT_MAX_WAIT_MILLIS + "ms",
            "... or once the oldest input has waited this long (--max-wait, in milliseconds).");
    public static final ConfigKey<Integer> THREADS = ConfigKey.positiveInt(
            "serve.threads",
            Integer.toString(ServeOptions.DEFAULT_THREADS),
            "Requests embedded at once; one more gets 503 with Retry-After before its body is read. The server keeps "
                    + "up to 4 × this many connections (at least 256), so idle or slow clients cannot hold up "
                    + "/health (--threads).");
    public static final ConfigKey<String> API_KEY_ENV = ConfigKey.string(
            "serve.api-key-env",
            null,
            "Environment variable holding the API key: every request but GET /health must then send "
                    + "'Authorization: Bearer <key>' (401 otherwise); never logged (--api-key-env).");
    public static final ConfigKey<Boolean> METRICS_WITHOUT_KEY = ConfigKey.bool(
            "serve.metrics-without-key",
            "false",
            "With serve.api-key-env: leave GET /metrics open for scrapers that send no credentials "
                    + "(--metrics-without-key).");
    public static final ConfigKey<Long> MAX_REQUEST_BYTES = ConfigKey.bytes(
            "serve.max-request-bytes",
            Long.toString(ServeOptions.DEFAULT_MAX_REQUEST_BYTES),
            "Larger request bodies get 413 before they are read (--max-request-bytes, in bytes).");
    public static final ConfigKey<Long> READ_TIMEOUT = ConfigKey.duration(
            "serve.read-timeout",
            ServeOptions.DEFAULT_READ_TIMEOUT_SECONDS + "s",
            "Time a client has to send its whole request; then its connection is closed (--read-timeout, in "
                    + "seconds).");
    public static final ConfigKey<String> TLS_KEYSTORE = ConfigKey.string(
            "serve.tls-keystore",
            null,
            "Serve HTTPS with this key store (PKCS#12 or JKS) holding the server's key and certificate chain "
                    + "(--tls-keystore).");
    public static final ConfigKey<String> TLS_KEYSTORE_PASSWORD_ENV = ConfigKey.string(
            "serve.tls-keystore-password-env",
            null,
            "Environment variable holding the key store's password (--tls-keystore-password-env).");

    public static final ConfigKey<Boolean> RERANK_ONLY = ConfigKey.bool(
            "serve.rerank-only",
            "false",
            "Serve the reranker (rerank.model) alone: no embedding model is loaded and /v1/embeddings answers 404 "
                    + "(--rerank-only).");

    public static final List<ConfigKey<?>> ALL = List.of(
            HOST,
            PORT,
            SERVED_MODEL_NAME,
            MAX_QUEUED_INPUTS,
            MAX_INPUTS_PER_REQUEST,
            FLUSH_TOKENS,
            MAX_WAIT,
            THREADS,
            API_KEY_ENV,
            METRICS_WITHOUT_KEY,
            MAX_REQUEST_BYTES,
            READ_TIMEOUT,
            TLS_KEYSTORE,
            TLS_KEYSTORE_PASSWORD_ENV,
            RERANK_ONLY);

    private ServeKeys() {}

    /** The server's settings for {@code model}; secrets are read from the environment here, files checked. */
    public static ServeOptions options(ConfigReader c, ModelOptions model) {
        String name = c.get(SERVED_MODEL_NAME) != null
                ? c.get(SERVED_MODEL_NAME)
                : model == null ? null : defaultName(model.model());
        long readTimeout = c.get(READ_TIMEOUT);
        if (readTimeout < 1000) {
            throw ConfigException.badValue(
                    READ_TIMEOUT.name(), readTimeout + "ms", "at least 1s (a client needs time to send a request)");
        }
        ServeOptions.Builder serve = ServeOptions.builder(model, name)
                .host(c.get(HOST))
                .port(c.get(PORT))
                .maxQueuedInputs(c.get(MAX_QUEUED_INPUTS))
                .maxInputsPerRequest(c.get(MAX_INPUTS_PER_REQUEST))
                .flushTokens(c.get(FLUSH_TOKENS))
                .maxWaitMillis(c.get(MAX_WAIT))
                .threads(c.get(THREADS))
                .metricsWithoutKey(c.get(METRICS_WITHOUT_KEY))
                .maxRequestBytes(c.get(MAX_REQUEST_BYTES))
                .readTimeoutSeconds((int) Math.min(Integer.MAX_VALUE, readTimeout / 1000));
        if (c.get(API_KEY_ENV) != null) {
            serve.apiKey(Secrets.fromEnvironment(API_KEY_ENV.name() + " (--api-key-env)", c.get(API_KEY_ENV)));
        }
        if (c.get(TLS_KEYSTORE) != null) {
            Path keystore = Path.of(c.get(TLS_KEYSTORE));
            if (!Files.isReadable(keystore)) {
                throw ConfigException.badValue(TLS_KEYSTORE.name(), keystore.toString(), "a readable key store file");
            }
            String passwordEnv = c.get(TLS_KEYSTORE_PASSWORD_ENV);
            serve.tls(new ServeOptions.TlsKeystore(
                    keystore,
                    passwordEnv == null
                            ? null
                            : Secrets.fromEnvironment(
                                    TLS_KEYSTORE_PASSWORD_ENV.name() + " (--tls-keystore-password-env)", passwordEnv)));
        }
        return serve.build();
    }

    /** The name clients send for a model: a built-in's short name, a folder's last part, a remote model's own. */
    public static String defaultName(String model) {
        return BuiltinModels.isBuiltin(model)
                ? model.substring(BuiltinModels.PREFIX.length())
                : Path.of(model).getFileName().toString();
    }
}
