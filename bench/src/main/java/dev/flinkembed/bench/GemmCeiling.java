package dev.flinkembed.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * This machine's fp32 matrix-multiply speed through the same PyTorch the models run on, measured in the benchmark's
 * own run: both runtimes here are bound by it, so a model's tokens/s is judged against tokens/s = GFLOP/s ÷ FLOP per
 * token.
 */
public final class GemmCeiling {

    private GemmCeiling() {}

    /** GFLOP/s of [m × k] · [k × n], the best of three rounds (a shared machine's noise only ever slows one down). */
    public static double gflops(int m, int k, int n) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray x = manager.randomUniform(-1, 1, new Shape(m, k));
            NDArray w = manager.randomUniform(-1, 1, new Shape(k, n));
            for (int i = 0; i < 3; i++) {
                try (NDScope ignored = new NDScope()) {
                    x.matMul(w).getShape();
                }
            }
            int repeats = (int) Math.max(10, 2e10 / (2.0 * m * k * n)); // ~20 GFLOP a round
            double best = 0;
            for (int round = 0; round < 3; round++) {
                long start = System.nanoTime();
                for (int i = 0; i < repeats; i++) {
                    try (NDScope ignored = new NDScope()) {
                        x.matMul(w).toFloatArray();
                    }
                }
                best = Math.max(best, 2.0 * m * k * n * repeats / ((System.nanoTime() - start) / 1e9) / 1e9);
            }
            return best;
        }
    }

    /**
     * FLOP per token of a BERT encoder: per layer the Q, K, V and output projections (4·H²), the MLP (2·H·I), and
     * attention over a sequence of {@code meanLength} tokens (scores and weighted sum, 2·S·H), each a multiply-add.
     */
    public static double bertFlopsPerToken(int layers, int hidden, int intermediate, double meanLength) {
        return 2.0 * layers * (4.0 * hidden * hidden + 2.0 * hidden * intermediate + 2.0 * meanLength * hidden);
    }
}
