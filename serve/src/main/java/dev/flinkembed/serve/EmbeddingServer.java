package dev.flinkembed.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.PreparedInput;
import dev.flinkembed.runtime.api.ScoringModel;
import dev.flinkembed.runtime.batching.MicroBatcher;
import dev.flinkembed.runtime.loading.NativeThreads;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.remote.EmbeddingsProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible embedding server over the in-process model: {@code POST /v1/embeddings},
 * {@code GET /v1/models}, {@code GET /health}, {@code GET /metrics}. Inputs of concurrent requests share the model
 * through one micro-batcher (length-sorted token-budget forward passes); at most {@code maxQueuedInputs} inputs are
 * admitted at a time, beyond that a request gets 429 with Retry-After instead of piling up.
 */
public final class EmbeddingServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServeOptions options;
    private final InProcessEmbeddingModel model;
    private final MicroBatcher batcher;
    private final HttpServer http;
    private final ExecutorService threads;
    /** Requests being embedded at once (--threads); one more gets 503 + Retry-After before its body is read. */
    private final Semaphore embedding;

    private final AtomicInteger queued = new AtomicInteger();
    private final ServerMetrics metrics = new ServerMetrics(queued::get);
    private final BearerAuth auth;
    private final long created = System.currentTimeMillis() / 1000;
    /** The reranker's endpoints, or null. */
    private final RerankEndpoints rerank;

    private EmbeddingServer(ServeOptions options, ScoringModel reranker, String rerankName) throws IOException {
        this.options = options;
        // This JVM's cores as a one-slot TaskManager divides them: two forward passes at a time (NativeThreads.plan).
        NativeThreads.Plan plan = NativeThreads.plan(Runtime.getRuntime().availableProcessors(), 1);
        // A local model (the caller localizes); none when the server only reranks.
        this.model = options.model() == null ? null : InProcessEmbeddingModel.open(options.model());
        this.batcher = model == null
                ? null
                : new MicroBatcher(
                        model,
                        options.flushTokens(),
                        Duration.ofMillis(options.maxWaitMillis()),
                        stats -> {},
                        "serve-batcher",
                        plan.workers(),
                        plan.threadsPerWorker());
        this.rerank = reranker == null ? null : new RerankEndpoints(reranker, rerankName, options, metrics, queued);
        // One HTTP thread per connection the server accepts: the JDK's server reads a request's line and headers on
        // an executor thread, before any handler runs, so with fewer threads than connections a client that opens
        // connections and sends nothing holds every thread (and /health with them) until the read timeout. Threads
        // waiting on a socket cost a stack, not a core; the embedding work itself is bounded by `embedding`.
        int connections = RequestLimits.connections(options);
        this.threads = new ThreadPoolExecutor(
                connections, connections, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(connections), r -> {
                    Thread t = new Thread(r, "serve-http");
                    t.setDaemon(true);
                    return t;
                });
        this.embedding = new Semaphore(options.threads());
        this.auth = new BearerAuth(options.apiKey());
        RequestLimits.applyServerLimits(options);
        InetSocketAddress address = new InetSocketAddress(options.host(), options.port());
        if (options.tls() != null) {
            HttpsServer https = HttpsServer.create(address, 256);
            https.setHttpsConfigurator(new HttpsConfigurator(TlsContexts.fromKeystore(options.tls())));
            this.http = https;
        } else {
            this.http = HttpServer.create(address, 256);
        }
        http.setExecutor(threads);
        http.createContext(
                "/v1/embeddings",
                ex -> serve(
                        ex,
                        "/v1/embeddings",
                        "POST",
                        true,
                        model == null ? this::noEmbeddings : admitted(this::embeddings)));
        if (rerank != null) {
            http.createContext("/v1/rerank", ex -> serve(ex, "/v1/rerank", "POST", true, admitted(rerank::vllm)));
            http.createContext("/rerank", ex -> serve(ex, "/rerank", "POST", true, admitted(rerank::tei)));
            // vLLM serves the same reranker under these names too (Cohere's path, the score API).
            http.createContext("/v2/rerank", ex -> serve(ex, "/v2/rerank", "POST", true, admitted(rerank::vllm)));
            http.createContext("/v1/score", ex -> serve(ex, "/v1/score", "POST", true, admitted(rerank::vllmScore)));
            http.createContext("/score", ex -> serve(ex, "/score", "POST", true, admitted(rerank::vllmScore)));
        }
        http.createContext("/v1/models", ex -> serve(ex, "/v1/models", "GET", true, this::models));
        http.createContext("/health", ex -> serve(ex, "/health", "GET", false, e -> "{\"status\":\"ok\"}"));
        http.createContext(
                "/metrics",
                ex -> serve(ex, "/metrics", "GET", !options.metricsWithoutKey(), e -> {
                    ex.getResponseHeaders().set("Content-Type", ServerMetrics.CONTENT_TYPE);
                    return metrics.render();
                }));
        http.start();
    }

    public static EmbeddingServer start(ServeOptions options) throws IOException {
        return start(options, null, null);
    }

    /**
     * A server of the embedding model in {@code options} (none when {@code options.model()} is null) and, when
     * {@code reranker} is given, of that scoring model as {@code rerankName} on {@code /v1/rerank} and {@code /rerank}.
     * The server closes the reranker when it closes.
     */
    public static EmbeddingServer start(ServeOptions options, ScoringModel reranker, String rerankName)
            throws IOException {
        EmbeddingServer s;
        try {
            s = new EmbeddingServer(options, reranker, rerankName);
        } catch (IOException | RuntimeException e) {
            if (reranker != null) {
                reranker.close();
            }
            throw e;
        }
        if (reranker != null) {
            LOG.info(
                    "Reranking with {} as '{}' on {}/rerank and /rerank",
                    reranker.info().name(),
                    rerankName,
                    s.url());
        }
        if (s.model == null) {
            return s;
        }
        LOG.info(
                "Serving {} as '{}' on {} ({} dimensions, at most {} queued inputs, {}, requests up to {} bytes read "
                        + "within {} s)",
                options.model().model(),
                options.servedName(),
                s.url(),
                s.model.info().dimensions(),
                options.maxQueuedInputs(),
                options.apiKey() != null ? "API key required" : "no API key",
                options.maxRequestBytes(),
                options.readTimeoutSeconds());
        return s;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public String url() {
        return (options.tls() != null ? "https://" : "http://") + options.host() + ":" + port() + "/v1";
    }

    public InProcessEmbeddingModel model() {
        return model;
    }

    @FunctionalInterface
    private interface Handler {
        String handle(HttpExchange ex) throws Exception;
    }

    private void serve(HttpExchange ex, String endpoint, String method, boolean keyed, Handler handler)
            throws IOException {
        int status = 200;
        String body;
        try {
            if (keyed) {
                auth.check(ex.getRequestHeaders().getFirst("Authorization"));
            }
            if (!ex.getRequestMethod().equalsIgnoreCase(method)) {
                throw new ApiError(
                        405,
                        "invalid_request_error",
                        null,
                        endpoint + " accepts " + method + ", not " + ex.getRequestMethod());
            }
            body = handler.handle(ex);
        } catch (ApiError e) {
            status = e.status;
            body = endpoint.equals("/rerank") ? e.teiBody() : e.body();
            e.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        } catch (Exception e) {
            // the cause stays in the server's log; a client learns only that it failed and which log line to ask for
            String incident = Long.toHexString(ThreadLocalRandom.current().nextLong());
            LOG.error("{} failed (incident {})", endpoint, incident, e);
            status = 500;
            body = new ApiError(
                            500,
                            "internal_server_error",
                            null,
                            "internal error (incident " + incident + " in the server's log)")
                    .body();
        }
        metrics.request(endpoint, status);
        if (status == RequestLimits.TIMED_OUT) {
            ex.close(); // the connection is gone: nobody to answer
            return;
        }
        String type = ex.getResponseHeaders().getFirst("Content-Type");
        send(ex, status, type != null && status == 200 ? type : "application/json", body);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if (status == 400 || status == 401 || status == 413) {
            // the body may be left unread (refused before or halfway): a client must not send its next request on
            // this connection, where the server may still be draining the last one (seen: a reused connection
            // answered nothing until the read timeout closed it)
            ex.getResponseHeaders().set("Connection", "close");
        }
        try {
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
        } finally {
            ex.close();
        }
    }

    private String models(HttpExchange ex) {
        ObjectNode n = JSON.createObjectNode().put("object", "list");
        ArrayNode data = n.putArray("data");
        if (model != null) {
            data.addObject()
                    .put("id", options.servedName())
                    .put("object", "model")
                    .put("created", created)
                    .put("owned_by", "flink-embed")
                    .put("max_model_len", model.tokenizer().maxTokens());
        }
        if (rerank != null) {
            ObjectNode r = data.addObject()
                    .put("id", rerank.servedName())
                    .put("object", "model")
                    .put("created", created)
                    .put("owned_by", "flink-embed");
            if (rerank.model().info().maxTokens() > 0) {
                r.put("max_model_len", rerank.model().info().maxTokens());
            }
        }
        return n.toString();
    }

    /** /v1/embeddings of a server that only reranks (serve --rerank-only). */
    private String noEmbeddings(HttpExchange ex) {
        throw new ApiError(
                404,
                "NotFoundError",
                "model",
                "this server serves no embedding model, only the reranker `" + rerank.servedName()
                        + "` (POST /v1/rerank, /rerank)");
    }

    /** At most --threads requests are read, parsed and served at once: the rest are told to come back. */
    private Handler admitted(Handler handler) {
        return ex -> {
            if (!embedding.tryAcquire()) {
                throw new ApiError(
                        503,
                        "service_unavailable",
                        null,
                        "server_busy",
                        "the server is serving " + options.threads() + " requests already; retry after a moment",
                        Map.of("Retry-After", "1"));
            }
            try {
                return handler.handle(ex);
            } finally {
                embedding.release();
            }
        };
    }

    private String embeddings(HttpExchange ex) throws Exception {
        long start = System.nanoTime();
        EmbeddingsRequest req = EmbeddingsRequest.parse(
                RequestLimits.body(ex, options), options, model.info().dimensions());
        // Admitted first, tokenized after: a busy server refuses a request before spending anything on it.
        int n = req.inputs().size();
        if (queued.addAndGet(n) > options.maxQueuedInputs()) {
            queued.addAndGet(-n);
            throw ApiError.busy("the server is busy: more than " + options.maxQueuedInputs()
                    + " inputs are queued; retry after a moment");
        }
        List<Embedding> out = new ArrayList<>(n);
        try {
            List<PreparedInput> prepared = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                EmbeddingInput in = req.query()
                        ? EmbeddingInput.query(req.inputs().get(i))
                        : EmbeddingInput.document(req.inputs().get(i));
                PreparedInput p = model.prepare(in);
                if (p.truncated()) {
                    throw ApiError.badRequest(
                            "input",
                            "input " + i + " is longer than the model's maximum context " + "length of "
                                    + model.tokenizer().maxTokens() + " tokens; shorten or split it");
                }
                prepared.add(p);
            }
            List<CompletableFuture<Embedding>> futures =
                    prepared.stream().map(batcher::submitPrepared).toList();
            for (CompletableFuture<Embedding> f : futures) {
                out.add(f.get(10, TimeUnit.MINUTES));
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("the model failed: " + e.getCause(), e.getCause());
        } finally {
            queued.addAndGet(-n);
        }
        ObjectNode body = JSON.createObjectNode().put("object", "list");
        ArrayNode data = body.putArray("data");
        long tokens = 0;
        for (int i = 0; i < n; i++) {
            Embedding e = out.get(i);
            tokens += e.tokens();
            float[] v = req.dimensions() == null
                    ? e.vector()
                    : Vectors.finish(e.vector(), req.dimensions(), model.info().normalized());
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (req.base64()) {
                item.put("embedding", EmbeddingsProtocol.encodeBase64(v));
            } else {
                ArrayNode a = item.putArray("embedding");
                for (float f : v) {
                    a.add(f);
                }
            }
        }
        body.put("model", options.servedName());
        body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        metrics.embedded(n, tokens, System.nanoTime() - start);
        return body.toString();
    }

    @Override
    public void close() {
        http.stop(0);
        threads.shutdownNow();
        if (batcher != null) {
            batcher.close();
            model.close();
        }
        if (rerank != null) {
            rerank.model().close();
        }
    }
}
