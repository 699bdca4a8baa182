package dev.flinkembed.runtime.scoring;

import dev.flinkembed.runtime.pooling.Pooling;

/**
 * Qwen3-Reranker's head: the language model's logits for "yes" and "no" at the last position, softmaxed, "yes" kept —
 * {@code sigmoid(h·w_yes − h·w_no)}. Only the two rows of the vocabulary-sized head are held.
 */
public final class YesNoHead implements ScoreHead {

    private final float[] difference;

    public YesNoHead(float[] yesRow, float[] noRow) {
        if (yesRow.length != noRow.length) {
            throw new IllegalArgumentException("yes/no rows differ in width: " + yesRow.length + " vs " + noRow.length);
        }
        difference = new float[yesRow.length];
        for (int i = 0; i < difference.length; i++) {
            difference[i] = yesRow[i] - noRow[i];
        }
    }

    @Override
    public Pooling pooling() {
        return Pooling.LAST_TOKEN;
    }

    @Override
    public double logit(float[] pooled) {
        return ScoreHead.dot(pooled, difference);
    }

    @Override
    public float score(float[] pooled) {
        return ScoreHead.sigmoid(logit(pooled));
    }
}
