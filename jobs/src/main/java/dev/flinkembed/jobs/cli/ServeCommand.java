package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.RerankKeys;
import dev.flinkembed.jobs.config.Reranker;
import dev.flinkembed.jobs.config.ServeKeys;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.serve.EmbeddingServer;
import dev.flinkembed.serve.ServeOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve a model with OpenAI's embeddings API: POST /v1/embeddings, GET /v1/models, GET /health, "
                    + "GET /metrics (Prometheus). Concurrent requests are batched together by token budget.",
            "Texts are embedded as documents; send \"input_type\": \"query\" to apply the model's query "
                    + "instruction (Qwen3) or query prefix (E5). Runs until Ctrl-C.",
            "With --rerank-model MODEL it reranks too, as vLLM serves both: POST /v1/rerank ({model, query, documents, "
                    + "top_n} → {results: [{index, relevance_score}]}) and POST /rerank (TEI: {query, texts} → [{index, "
                    + "score}]), behind the same key, limits and metrics; --rerank-only serves the reranker alone."
        })
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ConfigFlags config = new ConfigFlags();

    @Option(names = "--instruction", description = "Query instruction of instruction-tuned models (model.instruction).")
    String instruction;

    @Option(names = "--port", description = "Port (serve.port; default 8080; 0: any free port).")
    String port;

    @Option(names = "--host", description = "Address to bind (serve.host; default 127.0.0.1; 0.0.0.0 for all).")
    String host;

    @Option(names = "--served-model-name", description = "The model id clients send (serve.served-model-name).")
    String servedName;

    @Option(names = "--max-queued-inputs", description = "Inputs admitted at once (serve.max-queued-inputs).")
    String maxQueued;

    @Option(names = "--max-inputs-per-request", description = "Inputs per request (serve.max-inputs-per-request).")
    String maxInputs;

    @Option(names = "--flush-tokens", description = "Tokens that trigger a model run (serve.flush-tokens).")
    String flushTokens;

    @Option(names = "--max-wait", description = "Milliseconds an input waits for company (serve.max-wait).")
    String maxWaitMillis;

    @Option(names = "--threads", description = "Requests embedded at once (serve.threads).")
    String threads;

    @Option(names = "--api-key-env", description = "Environment variable holding the API key (serve.api-key-env).")
    String apiKeyEnv;

    @Option(
            names = "--metrics-without-key",
            description = "With --api-key-env: leave GET /metrics open (serve.metrics-without-key).")
    boolean metricsWithoutKey;

    @Option(names = "--max-request-bytes", description = "Largest request body (serve.max-request-bytes).")
    String maxRequestBytes;

    @Option(names = "--read-timeout", description = "Seconds to send a whole request (serve.read-timeout).")
    String readTimeoutSeconds;

    @Option(names = "--tls-keystore", description = "Serve HTTPS with this key store (serve.tls-keystore).")
    String tlsKeystore;

    @Option(
            names = "--tls-keystore-password-env",
            description = "Environment variable holding the key store's password (serve.tls-keystore-password-env).")
    String tlsPasswordEnv;

    @Option(
            names = "--rerank-model",
            paramLabel = "MODEL",
            description = "Also serve this reranker: a Qwen3-Reranker or BERT cross-encoder folder, or with --set "
                    + "rerank.url=... a remote scoring server's model (rerank.model).")
    String rerankModel;

    @Option(names = "--rerank-only", description = "Serve the reranker alone, no embedding model (serve.rerank-only).")
    boolean rerankOnly;

    @Override
    public Integer call() throws Exception {
        JobConfig c = config.load()
                .with(JobOptions.MODEL_INSTRUCTION, instruction)
                .with(ServeKeys.PORT, port)
                .with(ServeKeys.HOST, host)
                .with(ServeKeys.SERVED_MODEL_NAME, servedName)
                .with(ServeKeys.MAX_QUEUED_INPUTS, maxQueued)
                .with(ServeKeys.MAX_INPUTS_PER_REQUEST, maxInputs)
                .with(ServeKeys.FLUSH_TOKENS, flushTokens)
                .with(ServeKeys.MAX_WAIT, maxWaitMillis == null ? null : maxWaitMillis.strip() + "ms")
                .with(ServeKeys.THREADS, threads)
                .with(ServeKeys.API_KEY_ENV, apiKeyEnv)
                .with(ServeKeys.METRICS_WITHOUT_KEY, metricsWithoutKey ? "true" : null)
                .with(ServeKeys.MAX_REQUEST_BYTES, maxRequestBytes)
                .with(ServeKeys.READ_TIMEOUT, readTimeoutSeconds == null ? null : readTimeoutSeconds.strip() + "s")
                .with(ServeKeys.TLS_KEYSTORE, tlsKeystore)
                .with(ServeKeys.TLS_KEYSTORE_PASSWORD_ENV, tlsPasswordEnv)
                .with(RerankKeys.MODEL, rerankModel)
                .with(ServeKeys.RERANK_ONLY, rerankOnly ? "true" : null);
        boolean embeddings = !c.get(ServeKeys.RERANK_ONLY);
        Reranker reranker = RerankKeys.configured(c) ? RerankKeys.reranker(c) : null;
        if (!embeddings && reranker == null) {
            throw new ConfigException("configuration key 'serve.rerank-only' (--rerank-only) needs a reranker: set "
                    + "rerank.model (--rerank-model)");
        }
        ServeOptions options = ServeKeys.options(c, embeddings ? ModelFolderCache.localize(Settings.model(c)) : null);
        String rerankName = reranker == null ? null : ServeKeys.defaultName(reranker.model());
        try (EmbeddingServer server =
                EmbeddingServer.start(options, reranker == null ? null : reranker.open(), rerankName)) {
            if (embeddings) {
                System.out.println(
                        "flink-embed serve: " + server.url() + "/embeddings (model '" + options.servedName() + "')");
            }
            if (reranker != null) {
                System.out.println(
                        "flink-embed serve: " + server.url() + "/rerank and /rerank (reranker '" + rerankName + "')");
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }
}
