package dev.flinkembed.runtime.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The cross-encoder head's arithmetic, by hand: pooler tanh, one label sigmoid, two labels softmax of the second. */
class ClassifierHeadTest {

    static final float[] CLS = {0.5f, -1.0f};
    static final float[][] POOLER = {{1, 0}, {0.5f, 2}};
    static final float[] POOLER_BIAS = {0.1f, -0.2f};

    /** tanh(W·cls + b) = tanh(0.6), tanh(0.25 - 2 - 0.2) = tanh(-1.95). */
    static final double[] POOLED = {Math.tanh(0.6), Math.tanh(-1.95)};

    @Test
    void oneLabelIsTheSigmoidOfItsLogit() {
        ClassifierHead head = new ClassifierHead(POOLER, POOLER_BIAS, new float[][] {{2, -1}}, new float[] {0.3f});
        double logit = 2 * POOLED[0] - POOLED[1] + 0.3;
        assertThat(head.logit(CLS)).isCloseTo(logit, within(1e-6));
        assertThat(head.score(CLS)).isCloseTo((float) (1 / (1 + Math.exp(-logit))), within(1e-6f));
    }

    @Test
    void twoLabelsScoreTheSoftmaxOfTheSecond() {
        ClassifierHead head =
                new ClassifierHead(POOLER, POOLER_BIAS, new float[][] {{1, 1}, {-1, 3}}, new float[] {0.0f, 0.5f});
        double l0 = POOLED[0] + POOLED[1];
        double l1 = -POOLED[0] + 3 * POOLED[1] + 0.5;
        double softmax1 = Math.exp(l1) / (Math.exp(l0) + Math.exp(l1));
        assertThat(head.score(CLS)).isCloseTo((float) softmax1, within(1e-6f));
    }

    @Test
    void withoutAPoolerTheClassifierReadsClsItself() {
        ClassifierHead head = new ClassifierHead(null, null, new float[][] {{1, 1}}, new float[] {0});
        assertThat(head.logit(CLS)).isCloseTo(-0.5, within(1e-6));
    }

    @Test
    void moreThanTwoLabelsIsNotARelevanceHead() {
        assertThatThrownBy(() -> new ClassifierHead(null, null, new float[3][2], new float[3]))
                .hasMessageContaining("1 or 2 labels, not 3");
    }
}
