package dev.flinkembed.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPlannerTest {

    @Test
    void tokenBudgetPassesStayWithinTheBudgetAndCoverEveryRowOnce() {
        int[] lengths = new int[500];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = 5 + (i * 7919) % 250;
        }
        List<int[]> plan = BatchPlanner.tokenBudget(2048, 64).plan(lengths);
        boolean[] seen = new boolean[lengths.length];
        long real = 0;
        long padded = 0;
        for (int[] pass : plan) {
            int longest = Arrays.stream(pass).map(i -> lengths[i]).max().orElseThrow();
            assertThat(pass.length).isLessThanOrEqualTo(64);
            assertThat((long) longest * pass.length).isLessThanOrEqualTo(2048);
            for (int i : pass) {
                assertThat(seen[i]).isFalse();
                seen[i] = true;
                real += lengths[i];
                padded += longest - lengths[i];
            }
        }
        for (boolean s : seen) {
            assertThat(s).isTrue();
        }
        assertThat((double) padded / real).isLessThanOrEqualTo(0.05);
    }

    @Test
    void aRowLongerThanTheBudgetGetsAPassOfItsOwn() {
        List<int[]> plan = BatchPlanner.tokenBudget(100, 8).plan(new int[] {300, 10, 10});
        assertThat(plan.get(0)).containsExactly(0);
        assertThat(plan).hasSize(2);
    }

    @Test
    void fixedSizeKeepsInputOrder() {
        List<int[]> plan = new BatchPlanner(BatchPlanner.Strategy.FIXED_SIZE, 1, 2).plan(new int[] {9, 1, 5, 3, 7});
        assertThat(plan).hasSize(3);
        assertThat(plan.get(0)).containsExactly(0, 1);
        assertThat(plan.get(2)).containsExactly(4);
    }
}
