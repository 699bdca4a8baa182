package dev.flinkembed.runtime.remote;

import dev.flinkembed.runtime.api.Score;
import dev.flinkembed.runtime.api.ScoringInfo;
import dev.flinkembed.runtime.api.ScoringModel;
import dev.flinkembed.runtime.retry.Backoff;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The remote scoring backend: a query's documents scored by a vLLM, TEI or Cohere-shaped server ({@link RerankApi}).
 * The documents go in requests of at most {@code maxInputsPerRequest} (TEI refuses more than its
 * {@code --max-client-batch-size}, 32 by default), sent concurrently under the same {@link AdaptiveConcurrency} limit
 * as the embedding backend; 408, 429, 5xx, timeouts, dropped connections and unreadable bodies are retried with
 * {@link Backoff} (or the server's Retry-After) up to {@code maxRetries} times. A refusal (4xx) fails the call with the
 * server's own message and the documents concerned; 401/403/404 name the keys to check.
 */
public final class RemoteScorer implements ScoringModel {

    private final RemoteOptions options;
    private final RerankApi api;
    private final URI endpoint;
    private final Function<String, String> queryFormat;
    private final Function<String, String> documentFormat;
    private final String apiKey;
    private final HttpClient http;
    private final AdaptiveConcurrency limiter;
    private final ExecutorService senders;
    private final ScoringInfo info;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    /**
     * @param queryFormat    how the query is written for the server (Qwen3-Reranker on vLLM needs the model card's
     *                       template applied by the client; identity otherwise)
     * @param documentFormat the same for each document
     */
    public RemoteScorer(
            RemoteOptions options,
            RerankApi api,
            Function<String, String> queryFormat,
            Function<String, String> documentFormat) {
        this.options = options;
        this.api = api;
        this.endpoint = api.endpoint(options.url());
        this.queryFormat = queryFormat;
        this.documentFormat = documentFormat;
        this.apiKey = options.apiKeyEnv() == null ? null : System.getenv(options.apiKeyEnv());
        this.http = options.httpClient();
        this.limiter = new AdaptiveConcurrency(options.initialConcurrency(), options.maxConcurrency());
        this.senders = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "flink-embed-rerank-send");
            t.setDaemon(true);
            return t;
        });
        this.info =
                new ScoringInfo(options.model(), "remote:" + api.key(), -1, endpoint + "|" + options.model(), "remote");
    }

    @Override
    public ScoringInfo info() {
        return info;
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public List<Score> score(String query, List<String> documents) {
        String q = queryFormat.apply(query);
        List<CompletableFuture<float[]>> parts = new ArrayList<>();
        for (int from = 0; from < documents.size(); from += options.maxInputsPerRequest()) {
            int to = Math.min(documents.size(), from + options.maxInputsPerRequest());
            List<String> chunk =
                    documents.subList(from, to).stream().map(documentFormat).toList();
            int first = from;
            parts.add(CompletableFuture.supplyAsync(() -> send(q, chunk, first), senders));
        }
        List<Score> out = new ArrayList<>(documents.size());
        for (CompletableFuture<float[]> part : parts) {
            float[] scores;
            try {
                scores = part.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            for (float s : scores) {
                out.add(new Score(s, -1, false));
            }
        }
        return out;
    }

    /** One request, retried; the scores of {@code documents} (starting at {@code first} of the call's) in order. */
    private float[] send(String query, List<String> documents, int first) {
        byte[] body = api.request(options.model(), query, documents);
        for (int attempt = 0; ; attempt++) {
            Attempt result = attemptOnce(body, documents.size());
            if (result.scores() != null) {
                return result.scores();
            }
            RemoteException failure = result.failure();
            String which = "documents " + first + ".." + (first + documents.size() - 1);
            if (!failure.retryable() || attempt >= options.maxRetries()) {
                String hint = failure.inputRejected() || failure.retryable()
                        ? ""
                        : " (check rerank.url, rerank.model, rerank.api and rerank.api-key-env)";
                throw new RemoteException(
                        which + " failed" + (failure.retryable() ? " after " + attempt + " retries" : "") + " against "
                                + endpoint + ": " + failure.getMessage() + hint,
                        failure.status(),
                        false,
                        -1,
                        failure);
            }
            retries.incrementAndGet();
            long delay = failure.retryAfterMillis() >= 0
                    ? Math.min(failure.retryAfterMillis(), 60_000)
                    : Backoff.delayMillis(options.retryBackoffMillis(), attempt + 1, options.maxBackoffMillis());
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RemoteException("interrupted while retrying " + which, 0, false, -1, e);
            }
        }
    }

    /** One request's outcome: the scores, or why there are none. */
    private record Attempt(float[] scores, RemoteException failure) {
        static Attempt failed(RemoteException e) {
            return new Attempt(null, e);
        }
    }

    private Attempt attemptOnce(byte[] body, int count) {
        try {
            limiter.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Attempt.failed(new RemoteException("interrupted", 0, false, -1, e));
        }
        requests.incrementAndGet();
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofMillis(options.timeoutMillis()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        long start = System.nanoTime();
        HttpResponse<byte[]> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            limiter.onOverload();
            return Attempt.failed(
                    new RemoteException("timed out after " + options.timeoutMillis() + " ms", 0, true, -1, e));
        } catch (IOException e) {
            limiter.release();
            return Attempt.failed(
                    new RemoteException(e.getClass().getSimpleName() + ": " + e.getMessage(), 0, true, -1, e));
        } catch (InterruptedException e) {
            limiter.release();
            Thread.currentThread().interrupt();
            return Attempt.failed(new RemoteException("interrupted", 0, false, -1, e));
        }
        int status = response.statusCode();
        if (status == 200) {
            try {
                float[] scores = api.parse(response.body(), count);
                limiter.onSuccess(System.nanoTime() - start);
                return new Attempt(scores, null);
            } catch (RemoteException e) {
                limiter.release();
                return Attempt.failed(e);
            }
        }
        RemoteException e = new RemoteException(
                "HTTP " + status + ": " + EmbeddingsProtocol.errorMessage(response.body()),
                status,
                status == 408 || status == 429 || status >= 500,
                EmbeddingsProtocol.retryAfterMillis(
                        response.headers().firstValue("Retry-After").orElse(null)),
                null);
        if (e.overload()) {
            limiter.onOverload();
        } else {
            limiter.release();
        }
        return Attempt.failed(e);
    }

    public long requests() {
        return requests.get();
    }

    public long retries() {
        return retries.get();
    }

    @Override
    public void close() {
        senders.shutdownNow();
    }
}
