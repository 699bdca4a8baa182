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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects single requests from callers (a Flink async function, a server) into model calls. Callers tokenize on their
 * own thread ({@link #submit}); a feeder thread takes a flush from the {@link BatchingQueue} when the pending tokens
 * reach {@code flushTokens} or the oldest request has waited {@code maxWait}, and splits it into the model's
 * length-sorted forward passes ({@link EmbeddingModel#passes}); the workers take passes one at a time, each on its own
 * {@code threadsPerWorker} PyTorch threads ({@link NativeThreads#plan}), and complete each pass's futures. Workers
 * share the passes of a flush rather than taking a flush each: with a flush per worker, the last flush of a run kept
 * one core busy for seconds while the other had nothing left (bulk job on 2 cores: 25.6 s against 23.2 s for the same
 * work on two slots, measured). A model failure fails every future of that pass; nothing hangs: {@link #close} fails
 * what is still waiting for a flush and lets the workers finish the passes already planned.
 */
public final class MicroBatcher implements AsyncEmbedder {

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatcher.class);

    private record Pending(PreparedInput input, CompletableFuture<Embedding> future) {}

    /** A forward pass: inputs of one flush, or none to tell a worker to stop. */
    private record Pass(List<Pending> inputs) {}

    private static final Pass STOP = new Pass(List.of());

    private final EmbeddingModel model;
    private final BatchingQueue<Pending> queue;
    private final Consumer<BatchStats> listener;
    private final BlockingQueue<Pass> passes = new LinkedBlockingQueue<>();
    /** Signalled when a worker takes the last planned pass. */
    private final Object drained = new Object();

    private final Future<?> feeder;
    private final List<Future<?>> workers = new ArrayList<>();
    private final String name;
    private BatchStats total = BatchStats.EMPTY;
    private int flushes;

    /** One worker on the model's threads as they are. */
    public MicroBatcher(
            EmbeddingModel model,
            long flushTokens,
            Duration maxWait,
            Consumer<BatchStats> listener,
            String threadName) {
        this(model, flushTokens, maxWait, listener, threadName, 1, null);
    }

    /**
     * {@code workers} forward passes at a time, each worker's PyTorch operations on {@code threadsPerWorker} threads
     * (null: as they are). {@code listener} gets the statistics of every pass.
     */
    public MicroBatcher(
            EmbeddingModel model,
            long flushTokens,
            Duration maxWait,
            Consumer<BatchStats> listener,
            String threadName,
            int workers,
            Integer threadsPerWorker) {
        this(model, flushTokens, Integer.MAX_VALUE, maxWait, listener, threadName, workers, threadsPerWorker);
    }

    /**
     * The same, also flushing once {@code flushItems} inputs wait: a caller that never has more than that many in
     * flight (a Flink async operator's capacity) has sent all it can, so waiting for {@code maxWait} gains nothing.
     */
    public MicroBatcher(
            EmbeddingModel model,
            long flushTokens,
            int flushItems,
            Duration maxWait,
            Consumer<BatchStats> listener,
            String threadName,
            int workers,
            Integer threadsPerWorker) {
        this.model = model;
        this.queue = new BatchingQueue<>(flushTokens, flushItems, maxWait);
        this.listener = listener;
        this.name = threadName;
        int count = Math.max(1, workers);
        this.feeder = ModelWorkers.start(threadName + "-feeder", () -> feed(count));
        for (int i = 0; i < count; i++) {
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

    /**
     * Takes flushes and queues their forward passes; after {@link #close}, one stop per worker. The next flush is
     * taken once every planned pass has a worker: inputs keep arriving meanwhile, so a busy model gets full flushes
     * (better sorted by length, less padding) while its last passes run, not one small flush per {@code maxWait}.
     */
    private void feed(int workerCount) {
        try {
            while (true) {
                synchronized (drained) {
                    while (!passes.isEmpty()) {
                        drained.wait();
                    }
                }
                List<Pending> flush = queue.take();
                if (flush.isEmpty()) {
                    return; // closed
                }
                synchronized (this) {
                    flushes++;
                }
                List<int[]> planned;
                try {
                    planned = model.passes(flush.stream().map(Pending::input).toList());
                } catch (RuntimeException e) { // the pass itself will then fail its futures with the cause
                    planned = List.of(IntStream.range(0, flush.size()).toArray());
                }
                for (int[] pass : planned) {
                    List<Pending> inputs = new ArrayList<>(pass.length);
                    for (int i : pass) {
                        inputs.add(flush.get(i));
                    }
                    passes.add(new Pass(inputs));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (int i = 0; i < workerCount; i++) {
                passes.add(STOP);
            }
        }
    }

    private void run() {
        while (true) {
            Pass pass;
            try {
                pass = passes.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (passes.isEmpty()) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
            if (pass == STOP) {
                return;
            }
            runPass(pass.inputs());
        }
    }

    private void runPass(List<Pending> batch) {
        try {
            EmbeddingResult result =
                    model.embedPrepared(batch.stream().map(Pending::input).toList());
            synchronized (this) {
                listener.accept(result.stats());
                total = total.plus(result.stats());
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).future.complete(result.embeddings().get(i));
            }
        } catch (Throwable t) {
            RuntimeException failure = new IllegalStateException(
                    "the embedding model failed on a batch of " + batch.size() + " inputs: " + t, t);
            for (Pending p : batch) {
                p.future.completeExceptionally(failure);
            }
        }
    }

    @Override
    public void close() {
        for (Pending p : queue.close()) {
            p.future.completeExceptionally(new IllegalStateException("the micro-batcher was closed"));
        }
        List<Future<?>> threads = new ArrayList<>();
        threads.add(feeder);
        threads.addAll(workers);
        for (Future<?> worker : threads) {
            try {
                worker.get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("{}: a model worker did not end cleanly: {}", name, e.toString());
            }
        }
        synchronized (this) {
            logTotals();
        }
    }

    private void logTotals() {
        if (flushes > 0) {
            LOG.info(
                    "{}: {} inputs, {} tokens in {} flushes / {} forward passes; model busy {} s, padding {}%",
                    name,
                    total.sequences(),
                    total.realTokens(),
                    flushes,
                    total.forwardPasses(),
                    String.format("%.1f", total.nanos() / 1e9),
                    String.format("%.1f", 100 * total.paddingRatio()));
        }
    }
}
