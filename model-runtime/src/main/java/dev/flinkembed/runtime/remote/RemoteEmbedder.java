package dev.flinkembed.runtime.remote;

import dev.flinkembed.runtime.api.AsyncEmbedder;
import dev.flinkembed.runtime.api.BatchStats;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.batching.BatchingQueue;
import dev.flinkembed.runtime.retry.Backoff;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote backend: embeds inputs through an OpenAI-compatible {@code /v1/embeddings} server. Inputs wait at most
 * {@code maxWaitMillis} to share a request; a request holds at most {@code maxInputsPerRequest} inputs and
 * {@code maxTokensPerRequest} tokens (counted with the local tokenizer), so the server's limits are never exceeded.
 * Requests run concurrently under an {@link AdaptiveConcurrency} limit. 429, 5xx, timeouts, dropped connections and
 * unreadable bodies are retried (exponential backoff with equal jitter, {@link Backoff}, or the server's Retry-After) up to
 * {@code maxRetries} times, then the inputs fail. A 400/413/422 for a request of several inputs is retried input by
 * input, so only the input the server refuses fails, with {@link InputRejectedException}. Every future completes
 * exactly once.
 */
public final class RemoteEmbedder implements AsyncEmbedder {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteEmbedder.class);

    private record Pending(String text, int tokens, CompletableFuture<Embedding> future) {}

    private static final class Request {
        final List<Pending> items;
        int attempt;

        Request(List<Pending> items) {
            this.items = items;
        }

        int tokens() {
            return items.stream().mapToInt(Pending::tokens).sum();
        }
    }

    private final RemoteOptions options;
    private final Function<EmbeddingInput, String> format;
    private final ToIntFunction<String> tokenCounter;
    private final Consumer<BatchStats> listener;
    private final String apiKey;
    private final HttpClient http;
    private final AdaptiveConcurrency limiter;
    private final ScheduledExecutorService retryTimer;
    private final ExecutorService senders;
    private final Thread dispatcher;
    private final BatchingQueue<Pending> queue;
    private volatile boolean closed;
    /** Requests sent or waiting for a retry: failed by {@link #close}, so no future is left hanging. */
    private final Set<Request> outstanding = ConcurrentHashMap.newKeySet();

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    /**
     * @param format       writes an input as the server should read it (role prefixes, instructions)
     * @param tokenCounter tokens of a formatted text, for the per-request token limit
     */
    public RemoteEmbedder(
            RemoteOptions options,
            Function<EmbeddingInput, String> format,
            ToIntFunction<String> tokenCounter,
            Consumer<BatchStats> listener,
            String name) {
        this.options = options;
        this.format = format;
        this.tokenCounter = tokenCounter;
        this.listener = listener;
        this.apiKey = options.apiKeyEnv() == null ? null : System.getenv(options.apiKeyEnv());
        this.http = options.httpClient();
        this.limiter = new AdaptiveConcurrency(options.initialConcurrency(), options.maxConcurrency());
        this.retryTimer = Executors.newSingleThreadScheduledExecutor(daemon(name + "-retry"));
        this.senders = Executors.newCachedThreadPool(daemon(name + "-send"));
        this.queue = new BatchingQueue<>(
                options.maxTokensPerRequest(),
                options.maxInputsPerRequest(),
                Duration.ofMillis(options.maxWaitMillis()));
        this.dispatcher = new Thread(this::dispatch, name);
        this.dispatcher.setDaemon(true);
        this.dispatcher.start();
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public CompletableFuture<Embedding> submit(EmbeddingInput input) {
        String text = format.apply(input);
        CompletableFuture<Embedding> future = new CompletableFuture<>();
        int tokens = tokenCounter.applyAsInt(text);
        if (!queue.add(new Pending(text, tokens, future), tokens)) {
            future.completeExceptionally(new IllegalStateException("the remote embedder is closed"));
        }
        return future;
    }

    /** One request per batch the queue lets go: at most maxInputsPerRequest inputs and maxTokensPerRequest tokens. */
    private void dispatch() {
        while (true) {
            List<Pending> batch;
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (batch.isEmpty()) {
                return; // closed
            }
            acquireAndSend(new Request(batch));
        }
    }

    private void send(Request request) {
        requests.incrementAndGet();
        outstanding.add(request);
        if (closed) {
            fail(request, new IllegalStateException("the remote embedder was closed"));
            return;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(options.endpoint())
                .timeout(Duration.ofMillis(options.timeoutMillis()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(EmbeddingsProtocol.request(
                        options.model(),
                        request.items.stream().map(Pending::text).toList(),
                        options.dimensions(),
                        options.encodingFormat())));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        long start = System.nanoTime();
        http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray())
                .whenComplete((response, error) -> handle(request, start, response, error));
    }

    private void handle(Request request, long start, HttpResponse<byte[]> response, Throwable error) {
        long latency = System.nanoTime() - start;
        if (error != null) {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof HttpTimeoutException) {
                limiter.onOverload();
            } else {
                limiter.release();
            }
            retry(request, new RemoteException(describe(cause), 0, cause instanceof IOException, -1, cause));
            return;
        }
        int status = response.statusCode();
        if (status == 200) {
            float[][] vectors;
            try {
                vectors = EmbeddingsProtocol.parseResponse(response.body(), request.items.size());
            } catch (RemoteException e) {
                limiter.release();
                retry(request, e);
                return;
            }
            limiter.onSuccess(latency);
            outstanding.remove(request);
            for (int i = 0; i < vectors.length; i++) {
                Pending p = request.items.get(i);
                p.future.complete(new Embedding(vectors[i], p.tokens));
            }
            if (listener != null) {
                long tokens = request.tokens();
                listener.accept(new BatchStats(vectors.length, 1, tokens, tokens, latency));
            }
            return;
        }
        String message = "HTTP " + status + " from " + options.endpoint() + ": "
                + EmbeddingsProtocol.errorMessage(response.body());
        long retryAfter = EmbeddingsProtocol.retryAfterMillis(
                response.headers().firstValue("Retry-After").orElse(null));
        RemoteException e =
                new RemoteException(message, status, status == 408 || status == 429 || status >= 500, retryAfter, null);
        if (e.overload()) {
            limiter.onOverload();
        } else {
            limiter.release();
        }
        if (e.retryable()) {
            retry(request, e);
        } else if (e.inputRejected() && request.items.size() > 1) {
            // Find the input(s) the server refuses: each alone, the others go through.
            outstanding.remove(request);
            for (Pending p : request.items) {
                senders.execute(() -> acquireAndSend(new Request(List.of(p))));
            }
        } else if (e.inputRejected()) {
            rejected.incrementAndGet();
            outstanding.remove(request);
            request.items.get(0).future.completeExceptionally(new InputRejectedException(message));
        } else {
            fail(
                    request,
                    new RemoteException(
                            message + " (check remote.url, remote.model and remote.api-key-env)",
                            status,
                            false,
                            -1,
                            null));
        }
    }

    private void retry(Request request, RemoteException e) {
        if (!e.retryable() || request.attempt >= options.maxRetries() || closed) {
            fail(
                    request,
                    new RemoteException(
                            request.items.size() + " inputs failed"
                                    + (e.retryable()
                                            ? " after " + request.attempt + " retries (remote.max-retries)"
                                            : "")
                                    + " against " + options.endpoint() + ": " + e.getMessage(),
                            e.status(),
                            false,
                            -1,
                            e));
            return;
        }
        request.attempt++;
        retries.incrementAndGet();
        long delay = e.retryAfterMillis() >= 0
                ? Math.min(e.retryAfterMillis(), 60_000)
                : Backoff.delayMillis(options.retryBackoffMillis(), request.attempt, options.maxBackoffMillis());
        LOG.debug(
                "retry {}/{} of {} inputs in {} ms: {}",
                request.attempt,
                options.maxRetries(),
                request.items.size(),
                delay,
                e.getMessage());
        retryTimer.schedule(() -> senders.execute(() -> acquireAndSend(request)), delay, TimeUnit.MILLISECONDS);
    }

    private void acquireAndSend(Request request) {
        try {
            limiter.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: the dispatcher's loop sees it and ends
            fail(request, new IllegalStateException("the remote embedder was closed"));
            return;
        }
        send(request);
    }

    private void fail(Request request, RuntimeException e) {
        outstanding.remove(request);
        for (Pending p : request.items) {
            p.future.completeExceptionally(e);
        }
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    public long requests() {
        return requests.get();
    }

    public long retries() {
        return retries.get();
    }

    public long rejectedInputs() {
        return rejected.get();
    }

    public double concurrencyLimit() {
        return limiter.limit();
    }

    @Override
    public void close() {
        closed = true;
        for (Pending p : queue.close()) {
            p.future.completeExceptionally(new IllegalStateException("the remote embedder was closed"));
        }
        dispatcher.interrupt();
        retryTimer.shutdownNow();
        senders.shutdownNow();
        for (Request r : List.copyOf(outstanding)) {
            fail(r, new IllegalStateException("the remote embedder was closed"));
        }
        if (requests.get() > 0) {
            LOG.info(
                    "{}: {} requests, {} retries, {} inputs refused by the server, concurrency limit {}",
                    dispatcher.getName(),
                    requests.get(),
                    retries.get(),
                    rejected.get(),
                    String.format("%.1f", limiter.limit()));
        }
    }
}
