package dev.flinkembed.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.runtime.SharedBuiltin;
import dev.flinkembed.runtime.api.BatchStats;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.EmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingResult;
import dev.flinkembed.runtime.api.ModelInfo;
import dev.flinkembed.runtime.api.PreparedInput;
import dev.flinkembed.runtime.pooling.Vectors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    private final EmbeddingModel model = SharedBuiltin.model();

    @Test
    void concurrentSubmissionsAreBatchedAndEachGetsItsOwnVector() throws Exception {
        List<BatchStats> passes = new CopyOnWriteArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            texts.add("document " + i + " about " + "topic ".repeat(i % 17));
        }
        List<Embedding> direct = model.embed(
                        texts.stream().map(EmbeddingInput::document).toList())
                .embeddings();
        try (MicroBatcher batcher = new MicroBatcher(model, 2000, Duration.ofMillis(20), passes::add, "test")) {
            List<CompletableFuture<Embedding>> futures = new ArrayList<>();
            for (String t : texts) {
                futures.add(batcher.submit(EmbeddingInput.document(t)));
            }
            assertSameVectors(futures, direct);
        }
        assertThat(passes.size()).isGreaterThan(1).isLessThan(texts.size());
        assertThat(passes.stream().mapToInt(BatchStats::sequences).sum()).isEqualTo(texts.size());
    }

    @Test
    void twoWorkersRunTwoPassesAtOnceAndEveryInputGetsItsOwnVector() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add("text number " + i + " " + "word ".repeat(i % 9));
        }
        // Flushes of ~50 tokens: several flushes, passes of different flushes side by side.
        assertBothWorkersRunAtOnce(texts, 50, Duration.ofMillis(5));
    }

    @Test
    void theWorkersShareThePassesOfASingleFlush() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add("a longer text number " + i + " " + "with many more words in it ".repeat(5 + i % 7));
        }
        long tokens = texts.stream()
                .mapToLong(t -> model.prepare(EmbeddingInput.document(t)).tokenCount())
                .sum();
        List<int[]> planned = model.passes(texts.stream()
                .map(t -> model.prepare(EmbeddingInput.document(t)))
                .toList());
        assertThat(planned).hasSizeGreaterThan(1); // the token budget splits the flush
        // One flush of everything (due when the last text arrives): with a flush per worker, one worker would run it
        // all and the other would never start.
        assertBothWorkersRunAtOnce(texts, tokens, Duration.ofHours(1));
    }

    /** Submits {@code texts} to two workers whose model waits until two passes run at once; checks every vector. */
    private void assertBothWorkersRunAtOnce(List<String> texts, long flushTokens, Duration maxWait) throws Exception {
        java.util.concurrent.CountDownLatch bothRunning = new java.util.concurrent.CountDownLatch(2);
        java.util.concurrent.atomic.AtomicInteger atOnce = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        EmbeddingModel slow = withEmbed(inputs -> {
            most.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            bothRunning.countDown();
            try {
                bothRunning.await(5, TimeUnit.SECONDS); // the first pass waits for a second one to start
                return model.embedPrepared(inputs);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                atOnce.decrementAndGet();
            }
        });
        List<Embedding> direct = model.embed(
                        texts.stream().map(EmbeddingInput::document).toList())
                .embeddings();
        try (MicroBatcher batcher = new MicroBatcher(slow, flushTokens, maxWait, s -> {}, "test", 2, null)) {
            List<CompletableFuture<Embedding>> futures = new ArrayList<>();
            for (String t : texts) {
                futures.add(batcher.submit(EmbeddingInput.document(t)));
            }
            assertSameVectors(futures, direct);
        }
        assertThat(most.get()).isEqualTo(2);
    }

    @Test
    void aLoneRequestIsFlushedAfterTheMaximumWait() throws Exception {
        try (MicroBatcher batcher = new MicroBatcher(model, 1_000_000, Duration.ofMillis(30), s -> {}, "test")) {
            Embedding e = batcher.submit(EmbeddingInput.document("alone")).get(10, TimeUnit.SECONDS);
            assertThat(e.vector()).hasSize(384);
        }
    }

    @Test
    void aModelFailureFailsTheFuturesOfItsBatchWithTheCause() {
        EmbeddingModel failing = withEmbed(inputs -> {
            throw new IllegalStateException("out of memory on the device");
        });
        try (MicroBatcher batcher = new MicroBatcher(failing, 1, Duration.ofMillis(1), s -> {}, "test")) {
            CompletableFuture<Embedding> f = batcher.submit(EmbeddingInput.document("x"));
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("out of memory on the device");
        }
    }

    @Test
    void closingFailsWhatIsStillPending() {
        MicroBatcher batcher = new MicroBatcher(model, 1_000_000, Duration.ofHours(1), s -> {}, "test");
        CompletableFuture<Embedding> f = batcher.submit(EmbeddingInput.document("never flushed"));
        batcher.close();
        assertThat(f).isCompletedExceptionally();
        assertThat(batcher.submit(EmbeddingInput.document("late"))).isCompletedExceptionally();
    }

    /** The built-in model with {@code embed} in place of its forward passes. */
    private EmbeddingModel withEmbed(
            java.util.function.Function<List<? extends PreparedInput>, EmbeddingResult> embed) {
        return new EmbeddingModel() {
            @Override
            public ModelInfo info() {
                return model.info();
            }

            @Override
            public PreparedInput prepare(EmbeddingInput input) {
                return model.prepare(input);
            }

            @Override
            public List<int[]> passes(List<? extends PreparedInput> inputs) {
                return model.passes(inputs);
            }

            @Override
            public EmbeddingResult embedPrepared(List<? extends PreparedInput> inputs) {
                return embed.apply(inputs);
            }

            @Override
            public void close() {}
        };
    }

    private static void assertSameVectors(List<CompletableFuture<Embedding>> futures, List<Embedding> direct)
            throws Exception {
        for (int i = 0; i < futures.size(); i++) {
            Embedding e = futures.get(i).get(30, TimeUnit.SECONDS);
            assertThat(Vectors.cosine(e.vector(), direct.get(i).vector())).isGreaterThan(0.99999);
        }
    }
}
