package dev.flinkembed.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.runtime.loading.MemoryBudgetException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Exit code 2 means the user's configuration, never a failure inside a running job. */
class ExitCodesTest {

    /** Flink's own class is not on this path; the name is what the check looks at. */
    static final class JobExecutionException extends Exception {
        JobExecutionException(Throwable cause) {
            super("Job execution failed.", cause);
        }
    }

    @Test
    void configurationMistakesOnTheClientAreExitTwo() {
        assertThat(FlinkEmbedCli.configurationError(new ConfigException("configuration key 'x': bad")))
                .isNotNull();
        assertThat(FlinkEmbedCli.configurationError(new IllegalStateException(
                        "wrapped", new IllegalArgumentException("unknown built-in model 'y'"))))
                .isNotNull();
    }

    @Test
    void anIllegalArgumentInsideARunningJobIsAJobFailure() {
        Throwable inJob = new ExecutionException(new JobExecutionException(new RuntimeException(
                "task failed", new IllegalArgumentException("index 7 out of range in a model kernel"))));
        assertThat(FlinkEmbedCli.configurationError(inJob)).isNull();
    }

    @Test
    void aModelTooLargeForTheTaskManagerIsExitTwoEvenFromInsideTheJob() {
        Throwable inJob = new ExecutionException(new JobExecutionException(
                new RuntimeException("suppressed restarts", new MemoryBudgetException("model needs 29379 MB"))));
        assertThat(FlinkEmbedCli.configurationError(inJob)).isInstanceOf(MemoryBudgetException.class);
    }
}
