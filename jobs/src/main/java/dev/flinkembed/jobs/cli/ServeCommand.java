package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.serve.EmbeddingServer;
import dev.flinkembed.jobs.serve.ServeOptions;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.config.Secrets;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve a model with OpenAI's embeddings API: POST /v1/embeddings, GET /v1/models, GET /health, "
                    + "GET /metrics (Prometheus). Concurrent requests are batched together by token budget.",
            "Texts are embedded as documents; send \"input_type\": \"query\" to apply the model's query "
                    + "instruction (Qwen3) or query prefix (E5). Runs until Ctrl-C."
        })
final class ServeCommand implements Callable<Integer> {

    @Option(
            names = "--model",
            defaultValue = ModelOptions.DEFAULT_MODEL,
            description =
                    "builtin:all-minilm-l6-v2 (default), builtin:bge-small-en-v1.5, builtin:e5-small-v2 or a Hugging Face model folder.")
    String model;

    @Option(
            names = "--port",
            defaultValue = "" + ServeOptions.DEFAULT_PORT,
            description = "Port (default 8080; 0: any free port).")
    int port;

    @Option(
            names = "--host",
            defaultValue = ServeOptions.DEFAULT_HOST,
            description = "Address to bind (default 127.0.0.1; " + "0.0.0.0 for every interface).")
    String host;

    @Option(
            names = "--served-model-name",
            description = "The model id clients send (default: the model's name, "
                    + "e.g. all-minilm-l6-v2 or the folder name).")
    String servedName;

    @Option(names = "--instruction", description = "Query instruction of instruction-tuned models (Qwen3).")
    String instruction;

    @Option(
            names = "--max-queued-inputs",
            defaultValue = "" + ServeOptions.DEFAULT_MAX_QUEUED_INPUTS,
            description = "Inputs admitted at once; beyond " + "that requests get 429 with Retry-After (default 4096).")
    int maxQueued;

    @Option(
            names = "--max-inputs-per-request",
            defaultValue = "" + ServeOptions.DEFAULT_MAX_INPUTS_PER_REQUEST,
            description = "Default 2048, as OpenAI.")
    int maxInputs;

    @Option(
            names = "--flush-tokens",
            defaultValue = "" + ServeOptions.DEFAULT_FLUSH_TOKENS,
            description = "Tokens that trigger a model run " + "(default 16384).")
    long flushTokens;

    @Option(
            names = "--max-wait",
            defaultValue = "" + ServeOptions.DEFAULT_MAX_WAIT_MILLIS,
            description = "Milliseconds an input waits for company " + "(default 5).")
    long maxWait;

    @Option(
            names = "--threads",
            defaultValue = "" + ServeOptions.DEFAULT_THREADS,
            description =
                    "Requests embedded at once (default 64); one more gets 503 + Retry-After before its body is read. The server keeps up to 4 × this many connections (at least 256), one HTTP thread each, so idle or slow clients cannot hold up /health.")
    int threads;

    @Option(
            names = "--api-key-env",
            description = "Environment variable holding the API key: then every request but "
                    + "GET /health must send 'Authorization: Bearer <key>' (401 otherwise). The key is never logged.")
    String apiKeyEnv;

    @Option(
            names = "--metrics-without-key",
            description = "With --api-key-env: leave GET /metrics open (for "
                    + "Prometheus scrapers that send no credentials).")
    boolean metricsWithoutKey;

    @Option(
            names = "--max-request-bytes",
            defaultValue = "" + ServeOptions.DEFAULT_MAX_REQUEST_BYTES,
            description = "Larger request bodies get 413 before they are read (default 4194304, 4 MiB).")
    long maxRequestBytes;

    @Option(
            names = "--read-timeout",
            defaultValue = "" + ServeOptions.DEFAULT_READ_TIMEOUT_SECONDS,
            description = "Seconds a client has to send its whole request; then its connection is closed (default 30).")
    int readTimeout;

    @Option(
            names = "--tls-keystore",
            description = "Serve HTTPS with this key store (PKCS#12 or JKS) holding the "
                    + "server's key and certificate chain.")
    Path tlsKeystore;

    @Option(
            names = "--tls-keystore-password-env",
            description = "Environment variable holding the key store's " + "password.")
    String tlsPasswordEnv;

    @Override
    public Integer call() throws Exception {
        ModelOptions options = ModelOptions.defaults(model).withInstruction(instruction);
        String name = servedName != null ? servedName : defaultName(model);
        ServeOptions.Builder serve = ServeOptions.builder(options, name)
                .host(host)
                .port(port)
                .maxQueuedInputs(maxQueued)
                .maxInputsPerRequest(maxInputs)
                .flushTokens(flushTokens)
                .maxWaitMillis(maxWait)
                .threads(threads)
                .metricsWithoutKey(metricsWithoutKey);
        if (apiKeyEnv != null) {
            serve.apiKey(Secrets.fromEnvironment("--api-key-env", apiKeyEnv));
        }
        if (maxRequestBytes < 1) {
            throw ConfigException.badOption("--max-request-bytes", Long.toString(maxRequestBytes), "a positive number");
        }
        if (readTimeout < 1) {
            throw ConfigException.badOption("--read-timeout", Integer.toString(readTimeout), "a positive number");
        }
        serve.maxRequestBytes(maxRequestBytes).readTimeoutSeconds(readTimeout);
        if (tlsKeystore != null) {
            if (!java.nio.file.Files.isReadable(tlsKeystore)) {
                throw ConfigException.badOption("--tls-keystore", tlsKeystore.toString(), "a readable key store file");
            }
            serve.tls(new ServeOptions.TlsKeystore(
                    tlsKeystore,
                    tlsPasswordEnv == null
                            ? null
                            : Secrets.fromEnvironment("--tls-keystore-password-env", tlsPasswordEnv)));
        }
        try (EmbeddingServer server = EmbeddingServer.start(serve.build())) {
            System.out.println("flink-embed serve: " + server.url() + "/embeddings (model '" + name + "')");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }

    /** A secret's value from the environment variable an option names; never printed. */
    static String defaultName(String model) {
        return BuiltinModels.isBuiltin(model)
                ? model.substring(BuiltinModels.PREFIX.length())
                : Path.of(model).getFileName().toString();
    }
}
