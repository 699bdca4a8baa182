package dev.flinkembed.runtime.batching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups sequences into forward passes. {@code TOKEN_BUDGET} sorts by length (longest first) and fills each pass while
 * rows × longest row stays within the budget, so rows of a pass have similar lengths and padding stays small.
 * {@code FIXED_SIZE} takes rows in input order, a fixed number at a time (what naive clients do; for comparison).
 */
public final class BatchPlanner {

    public enum Strategy {
        TOKEN_BUDGET,
        FIXED_SIZE
    }

    private final Strategy strategy;
    private final int tokenBudget;
    private final int maxBatchSize;
    private final double maxPaddingRatio;

    public static final double DEFAULT_MAX_PADDING_RATIO = 0.05;

    public BatchPlanner(Strategy strategy, int tokenBudget, int maxBatchSize) {
        this(strategy, tokenBudget, maxBatchSize, DEFAULT_MAX_PADDING_RATIO);
    }

    public BatchPlanner(Strategy strategy, int tokenBudget, int maxBatchSize, double maxPaddingRatio) {
        if (tokenBudget < 1 || maxBatchSize < 1) {
            throw new IllegalArgumentException("token budget and batch size must be positive");
        }
        this.strategy = strategy;
        this.tokenBudget = tokenBudget;
        this.maxBatchSize = maxBatchSize;
        this.maxPaddingRatio = maxPaddingRatio;
    }

    public static BatchPlanner tokenBudget(int tokenBudget, int maxBatchSize) {
        return new BatchPlanner(Strategy.TOKEN_BUDGET, tokenBudget, maxBatchSize);
    }

    /** Indices into {@code lengths}, one array a forward pass. */
    public List<int[]> plan(int[] lengths) {
        List<int[]> batches = new ArrayList<>();
        if (strategy == Strategy.FIXED_SIZE) {
            for (int start = 0; start < lengths.length; start += maxBatchSize) {
                int end = Math.min(lengths.length, start + maxBatchSize);
                int[] batch = new int[end - start];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = start + i;
                }
                batches.add(batch);
            }
            return batches;
        }
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> lengths[i]).reversed());
        int pos = 0;
        while (pos < order.length) {
            int longest = Math.max(lengths[order[pos]], 1);
            // A single row longer than the budget still gets a pass of its own.
            int capacity = Math.max(1, Math.min(maxBatchSize, tokenBudget / longest));
            int end = pos + 1;
            long real = lengths[order[pos]];
            long padding = 0;
            while (end < order.length && end - pos < capacity) {
                int len = lengths[order[end]];
                if (padding + (longest - len) > maxPaddingRatio * (real + len)) {
                    break;
                }
                padding += longest - len;
                real += len;
                end++;
            }
            int[] batch = new int[end - pos];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = order[pos + i];
            }
            batches.add(batch);
            pos = end;
        }
        return batches;
    }

    public int tokenBudget() {
        return tokenBudget;
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    public Strategy strategy() {
        return strategy;
    }
}
