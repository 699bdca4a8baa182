package dev.flinkembed.runtime.scoring;

import dev.flinkembed.runtime.pooling.Pooling;

/**
 * What turns a scoring model's pooled hidden state into a relevance score in [0, 1]: the model's own head, kept out of
 * the encoder so the same forward pass serves embedding and scoring models.
 */
public interface ScoreHead {

    /** Which hidden state the head reads: the last token for a causal LM, [CLS] for a cross-encoder. */
    Pooling pooling();

    float score(float[] pooled);

    /** The logit before the squashing function (the {@code raw_scores} TEI can return). */
    double logit(float[] pooled);

    static float sigmoid(double logit) {
        return (float) (1.0 / (1.0 + Math.exp(-logit)));
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
