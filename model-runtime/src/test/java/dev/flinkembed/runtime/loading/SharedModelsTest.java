package dev.flinkembed.runtime.loading;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.pooling.Vectors;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedModelsTest {

    @Test
    void twoInstancesInOneJvmLoadTheWeightsOnceAndReleaseThemWithTheLast() {
        // A max length no other test uses, so this test owns the registry entry.
        ModelOptions options = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL).withMaxTokens(200);
        String key = options.weightsKey();
        int before = SharedModels.loadCount(key);
        InProcessEmbeddingModel slot1 = InProcessEmbeddingModel.open(options);
        InProcessEmbeddingModel slot2 = InProcessEmbeddingModel.open(options);
        assertThat(SharedModels.loadCount(key)).isEqualTo(before + 1);
        assertThat(SharedModels.references(key)).isEqualTo(2);
        float[] a = slot1.embed(List.of(EmbeddingInput.document("shared weights")))
                .embeddings()
                .get(0)
                .vector();
        slot1.close();
        assertThat(SharedModels.references(key)).isEqualTo(1);
        float[] b = slot2.embed(List.of(EmbeddingInput.document("shared weights")))
                .embeddings()
                .get(0)
                .vector();
        assertThat(Vectors.cosine(a, b)).isGreaterThan(0.999999);
        slot2.close();
        assertThat(SharedModels.references(key)).isZero();
        try (InProcessEmbeddingModel again = InProcessEmbeddingModel.open(options)) {
            assertThat(SharedModels.loadCount(key)).isEqualTo(before + 2);
        }
    }

    @Test
    void weightsAreLoadedOnAThreadThatEndsSoOnlyModelRunnersKeepAnOpenMpTeam() {
        java.util.concurrent.atomic.AtomicReference<Thread> loader =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (SharedModels.Lease lease = SharedModels.acquire("loader-thread-test", () -> {
            loader.set(Thread.currentThread());
            return ModelLoader.load(
                    ModelOptions.defaults(ModelOptions.DEFAULT_MODEL).withMaxTokens(199));
        })) {
            assertThat(lease.model()).isNotNull();
            assertThat(loader.get().getName()).isEqualTo("flink-embed-model-loader");
            assertThat(loader.get().isAlive()).isFalse();
        }
    }

    @Test
    void aModelOverTheBudgetIsRefusedBeforeLoadingWithTheSizeItNeedsAndTheCallersAdvice() {
        SharedModels.Budget budget = new SharedModels.Budget(
                8L << 20, "taskmanager.memory.task.off-heap.size", "this TaskManager", " (see the docs)");
        ModelFootprint footprint = new ModelFootprint(64L << 20, 16L << 20);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> SharedModels.acquire("over-budget-test", "big-model", footprint, budget, () -> {
                            throw new AssertionError("must not load");
                        }))
                .isInstanceOf(MemoryBudgetException.class)
                .hasMessageContaining(
                        "model big-model needs 80 MB of native memory in this TaskManager: 64 MB of " + "weights")
                .hasMessageContaining("taskmanager.memory.task.off-heap.size is 8 MB: set it to at least")
                .hasMessageEndingWith(" (see the docs)");
    }
}
