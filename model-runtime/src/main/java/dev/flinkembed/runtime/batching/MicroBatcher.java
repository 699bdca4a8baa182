package dev.flinkembed.runtime.batching;

import dev.flinkembed.runtime.api.AsyncEmbedder;
import dev.flinkembed.runtime.api.BatchStats;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.EmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingResult;
import dev.flinkembed.runtime.api.PreparedInput;
import dev.flinkembed.runtime.loading.NativeThreads;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Collects single requests from callers (a Flink async function, a server) into model calls. Callers tokenize on their
 * own thread ({@link #submit}); a worker thread takes a flush from the {@link BatchingQueue} when the pending tokens
 * reach {@code flushTokens} or the oldest request has waited {@code maxWait}, runs the model (which splits the flush
 * into length-sorted forward passes) and completes each future. With more than one worker, flushes run side by side,
 * each worker on its own {@code threadsPerWorker} PyTorch threads ({@link NativeThreads#plan}). A model failure fails
 * every future of that flush; nothing hangs: {@link #close} fails what is still pending.
 */
public final class MicroBatcher implements AsyncEmbedder {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MicroBatcher.class);

    private record Pending(PreparedInput input, CompletableFuture<Embedding> future) {
    }

    private final EmbeddingModel model;
    private final BatchingQueue<Pending> queue;
    private final Consumer<BatchStats> listener;
    private final List<java.util.concurrent.Future<?>> workers = new java.util.ArrayList<>();
    private final String name;
    private BatchStats total = BatchStats.EMPTY;
    private int flushes;

    /** One worker on the model's threads as they are. */
    public MicroBatcher(EmbeddingModel model, long flushTokens, Duration maxWait, Consumer<BatchStats> listener,
                        String threadName) {
        this(model, flushTokens, maxWait, listener, threadName, 1, null);
    }

    /**
     * {@code workers} flushes at a time, each worker's PyTorch operations on {@code threadsPerWorker} threads (null:
     * as they are).
     */
    public MicroBatcher(EmbeddingModel model, long flushTokens, Duration maxWait, Consumer<BatchStats> listener,
                        String threadName, int workers, Integer threadsPerWorker) {
        this.model = model;
        this.queue = new BatchingQueue<>(flushTokens, Integer.MAX_VALUE, maxWait);
        this.listener = listener;
        this.name = threadName;
        for (int i = 0; i < Math.max(1, workers); i++) {
            this.workers.add(ModelWorkers.start(threadName, () -> {
                if (threadsPerWorker != null) {
                    NativeThreads.useThreadsOnThisThread(threadsPerWorker);
                }
                run();
            }));
        }
    }

    /** Tokenizes on the caller's thread and queues the input; the future completes when its batch has run. */
    @Override
    public CompletableFuture<Embedding> submit(EmbeddingInput input) {
        return submitPrepared(model.prepare(input));
    }

    /** Queues an input the caller already prepared with this batcher's model (to look at it first). */
    public CompletableFuture<Embedding> submitPrepared(PreparedInput prepared) {
        CompletableFuture<Embedding> future = new CompletableFuture<>();
        if (!queue.add(new Pending(prepared, future), prepared.tokenCount())) {
            future.completeExceptionally(new IllegalStateException("the micro-batcher is closed"));
        }
        return future;
    }

    private void run() {
        while (true) {
            List<Pending> batch;
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (batch.isEmpty()) {
                return; // closed
            }
            runBatch(batch);
        }
    }

    private void runBatch(List<Pending> batch) {
        try {
            EmbeddingResult result = model.embedPrepared(batch.stream().map(Pending::input).toList());
            synchronized (this) {
                listener.accept(result.stats());
                total = total.plus(result.stats());
                flushes++;
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).future.complete(result.embeddings().get(i));
            }
        } catch (Throwable t) {
            RuntimeException failure = new IllegalStateException("the embedding model failed on a batch of "
                    + batch.size() + " inputs: " + t, t);
            for (Pending p : batch) {
                p.future.completeExceptionally(failure);
            }
        }
    }

    /** Inputs waiting for a flush. */
    public int pendingCount() {
        return queue.size();
    }

    @Override
    public void close() {
        for (Pending p : queue.close()) {
            p.future.completeExceptionally(new IllegalStateException("the micro-batcher was closed"));
        }
        for (java.util.concurrent.Future<?> worker : workers) {
            try {
                worker.get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.warn("{}: a model worker did not end cleanly: {}", name, e.toString());
            }
        }
        synchronized (this) {
            logTotals();
        }
    }

    private void logTotals() {
        if (flushes > 0) {
            LOG.info("{}: {} inputs, {} tokens in {} flushes / {} forward passes; model busy {} s, padding {}%",
                    name, total.sequences(), total.realTokens(), flushes, total.forwardPasses(),
                    String.format("%.1f", total.nanos() / 1e9), String.format("%.1f", 100 * total.paddingRatio()));
        }
    }
}
