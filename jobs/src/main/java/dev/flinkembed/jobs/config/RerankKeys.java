package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.config.ConfigKey;
import dev.flinkembed.operators.config.ConfigReader;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelLoader;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.remote.RemoteOptions;
import dev.flinkembed.runtime.remote.RerankApi;
import java.net.MalformedURLException;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * The reranker's keys ({@code rerank.*}), beside the code that reads them: a Hugging Face folder run in-process (a
 * Qwen3-Reranker or a BERT cross-encoder), or with {@code rerank.url} a remote scoring server (vLLM, TEI, Cohere),
 * driven with the {@code remote.*} timeouts, retries and concurrency of the embedding backend.
 */
public final class RerankKeys {

    public static final ConfigKey<String> MODEL = ConfigKey.string(
            "rerank.model",
            null,
            "The reranker: a Hugging Face folder (Qwen3-Reranker 0.6B/4B/8B, or a BERT cross-encoder such as "
                    + "cross-encoder/ms-marco-MiniLM-L-6-v2) run in this JVM; with rerank.url, the model name the "
                    + "server knows (search --rerank, evaluate --rerank, serve --rerank-model).");
    public static final ConfigKey<String> URL = ConfigKey.string(
            "rerank.url",
            null,
            "Score with a remote server instead: its API base, e.g. http://npu-host:8000/v1 for vLLM (rerank.api "
                    + "appends /rerank or /score), http://host:8080 for TEI, https://api.cohere.com for Cohere.");
    public static final ConfigKey<String> API = ConfigKey.oneOf(
            "rerank.api",
            "vllm",
            "The server's shape: vllm (POST /rerank, Jina/Cohere-shaped), vllm-score (POST /score), tei (POST "
                    + "/rerank of text-embeddings-inference), cohere (POST /v2/rerank).",
            "vllm",
            "vllm-score",
            "tei",
            "cohere");
    public static final ConfigKey<String> API_KEY_ENV = ConfigKey.string(
            "rerank.api-key-env",
            null,
            "Environment variable holding the scoring server's API key (a Bearer token; never logged).");
    public static final ConfigKey<String> TEMPLATE = ConfigKey.oneOf(
            "rerank.template",
            "auto",
            "Remote only: whether the client writes Qwen3-Reranker's prompt template around query and documents, as "
                    + "vLLM needs for that model (its scores are close to random without). auto: when rerank.model "
                    + "names a Qwen3-Reranker and rerank.api is vllm or vllm-score. In-process models apply their own.",
            "auto",
            "qwen3",
            "none");
    public static final ConfigKey<String> INSTRUCTION = ConfigKey.string(
            "rerank.instruction",
            null,
            "Qwen3-Reranker's task instruction (default 'Given a web search query, retrieve relevant passages that "
                    + "answer the query'); cross-encoders take none.");
    public static final ConfigKey<Integer> MAX_TOKENS = ConfigKey.positiveInt(
            "rerank.max-tokens",
            null,
            "In-process: tokens of a query–document pair, template included (default: the model's limit, 8192 "
                    + "for Qwen3-Reranker); longer documents are cut at the end.");
    public static final ConfigKey<String> PRECISION = ConfigKey.oneOf(
            "rerank.precision",
            "fp32",
            "In-process: the reranker's linear layers in fp32, int8 or fp16 (Qwen3 only), as model.precision.",
            "fp32",
            "int8",
            "fp16");
    public static final ConfigKey<Integer> MAX_DOCUMENTS_PER_REQUEST = ConfigKey.positiveInt(
            "rerank.max-documents-per-request",
            "32",
            "Remote: documents per request at most (TEI's --max-client-batch-size is 32 by default).");
    public static final ConfigKey<Integer> CANDIDATES = ConfigKey.positiveInt(
            "rerank.candidates",
            "100",
            "search and evaluate: chunks fetched by vector similarity and scored by the reranker (--candidates).");

    public static final List<ConfigKey<?>> ALL = List.of(
            MODEL,
            URL,
            API,
            API_KEY_ENV,
            TEMPLATE,
            INSTRUCTION,
            MAX_TOKENS,
            PRECISION,
            MAX_DOCUMENTS_PER_REQUEST,
            CANDIDATES);

    private RerankKeys() {}

    /** Whether a reranker is configured. */
    public static boolean configured(ConfigReader c) {
        return c.get(MODEL) != null;
    }

    /** The reranker as configured, checked here (folder, URL, key variable) before anything is loaded or sent. */
    public static Reranker reranker(ConfigReader c) {
        String model = c.get(MODEL);
        if (model == null) {
            throw new ConfigException("configuration key 'rerank.model' is not set: a reranker folder, or with "
                    + "rerank.url the server's model name");
        }
        Precision precision = Precision.parse(c.get(PRECISION));
        String url = c.get(URL);
        if (url == null) {
            if (BuiltinModels.isBuiltin(model)) {
                throw ConfigException.badValue(
                        MODEL.name(),
                        model,
                        "a reranker's model folder (Qwen3-Reranker or a "
                                + "BERT cross-encoder); the built-in models embed, they do not rerank");
            }
            if (!ModelFolderCache.isRemote(model)) { // a URI is checked when it is copied
                try {
                    ModelLoader.validateReference(model);
                } catch (IllegalArgumentException e) {
                    throw ConfigException.badValue(
                            MODEL.name(), model, "a reranker's model folder (" + e.getMessage() + ")");
                }
            }
            return Reranker.inProcess(ModelOptions.builder(model)
                    .maxTokens(c.get(MAX_TOKENS))
                    .instruction(c.get(INSTRUCTION))
                    .precision(precision)
                    .build());
        }
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw ConfigException.badValue(URL.name(), url, "an http:// or https:// URL");
        }
        try {
            URI.create(url).toURL();
        } catch (IllegalArgumentException | MalformedURLException e) {
            throw ConfigException.badValue(URL.name(), url, "a valid http:// or https:// URL (" + e.getMessage() + ")");
        }
        String keyEnv = c.get(API_KEY_ENV);
        if (keyEnv != null && System.getenv(keyEnv) == null) {
            throw new ConfigException(
                    "configuration key 'rerank.api-key-env': environment variable '" + keyEnv + "' is not set");
        }
        RerankApi api = RerankApi.parse(c.get(API));
        boolean qwen3 = switch (c.get(TEMPLATE)) {
            case "qwen3" -> true;
            case "none" -> false;
            default ->
                (api == RerankApi.VLLM || api == RerankApi.VLLM_SCORE)
                        && model.toLowerCase(Locale.ROOT).contains("qwen3-reranker");
        };
        RemoteOptions remote = RemoteOptions.builder(url, model)
                .apiKeyEnv(keyEnv)
                .maxInputsPerRequest(c.get(MAX_DOCUMENTS_PER_REQUEST))
                .timeoutMillis(c.get(JobOptions.REMOTE_TIMEOUT))
                .maxRetries(c.get(JobOptions.REMOTE_MAX_RETRIES))
                .retryBackoffMillis(c.get(JobOptions.REMOTE_RETRY_BACKOFF))
                .maxBackoffMillis(c.get(JobOptions.REMOTE_MAX_BACKOFF))
                .initialConcurrency(Math.min(
                        c.get(JobOptions.REMOTE_INITIAL_CONCURRENCY), c.get(JobOptions.REMOTE_MAX_CONCURRENCY)))
                .maxConcurrency(c.get(JobOptions.REMOTE_MAX_CONCURRENCY))
                .build();
        return Reranker.remote(remote, api, qwen3 ? c.get(INSTRUCTION) : null, qwen3);
    }
}
