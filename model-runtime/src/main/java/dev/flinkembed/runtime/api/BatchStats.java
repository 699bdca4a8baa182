package dev.flinkembed.runtime.api;

/**
 * What one call to the model cost: {@code realTokens} tokens of input, {@code paddedTokens} positions computed for
 * padding only, in {@code forwardPasses} forward passes of {@code sequences} sequences, taking {@code nanos}.
 */
public record BatchStats(int sequences, int forwardPasses, long realTokens, long paddedTokens, long nanos) {

    public static final BatchStats EMPTY = new BatchStats(0, 0, 0, 0, 0);

    /** Padded positions as a share of real tokens (0.05 = 5% extra work). */
    public double paddingRatio() {
        return realTokens == 0 ? 0 : (double) paddedTokens / realTokens;
    }

    public BatchStats plus(BatchStats other) {
        return new BatchStats(
                sequences + other.sequences,
                forwardPasses + other.forwardPasses,
                realTokens + other.realTokens,
                paddedTokens + other.paddedTokens,
                nanos + other.nanos);
    }
}
