package dev.flinkembed.runtime.scoring;

import dev.flinkembed.runtime.pooling.Pooling;

/**
 * {@code BertForSequenceClassification}'s head: {@code tanh(pooler([CLS]))}, then a linear classifier. One label (the
 * MS MARCO cross-encoders) scores {@code sigmoid(logit)}, as sentence-transformers' CrossEncoder and TEI do; two labels
 * score the softmax of the second ("relevant") — {@code sigmoid(l1 − l0)}.
 */
public final class ClassifierHead implements ScoreHead {

    private final float[][] poolerWeight; // [h, h], null without a pooler
    private final float[] poolerBias;
    private final float[][] classifierWeight; // [labels, h]
    private final float[] classifierBias;

    public ClassifierHead(
            float[][] poolerWeight, float[] poolerBias, float[][] classifierWeight, float[] classifierBias) {
        if (classifierWeight.length < 1 || classifierWeight.length > 2) {
            throw new IllegalArgumentException(
                    "a cross-encoder's classifier has 1 or 2 labels, not " + classifierWeight.length);
        }
        this.poolerWeight = poolerWeight;
        this.poolerBias = poolerBias;
        this.classifierWeight = classifierWeight;
        this.classifierBias = classifierBias;
    }

    @Override
    public Pooling pooling() {
        return Pooling.CLS;
    }

    @Override
    public double logit(float[] cls) {
        float[] x = cls;
        if (poolerWeight != null) {
            x = new float[poolerWeight.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.tanh(ScoreHead.dot(poolerWeight[i], cls) + poolerBias[i]);
            }
        }
        double first = ScoreHead.dot(classifierWeight[0], x) + classifierBias[0];
        if (classifierWeight.length == 1) {
            return first;
        }
        return ScoreHead.dot(classifierWeight[1], x) + classifierBias[1] - first;
    }

    @Override
    public float score(float[] cls) {
        return ScoreHead.sigmoid(logit(cls));
    }
}
