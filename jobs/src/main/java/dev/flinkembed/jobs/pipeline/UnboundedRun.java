package dev.flinkembed.jobs.pipeline;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** How the unbounded (stream) job restarts, set on the job itself so a session cluster's default does not decide. */
public final class UnboundedRun {

    private UnboundedRun() {}

    /**
     * The stream job's restarts: at most {@code job.restart-attempts} failures within {@code job.restart-window},
     * 5 s apart, then the job fails with its cause. Flink's default with checkpoints (unlimited exponential-delay
     * restarts) would loop silently on a failure that repeats.
     */
    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        int attempts = config.get(JobOptions.JOB_RESTART_ATTEMPTS);
        Configuration restart = new Configuration();
        if (attempts == 0) {
            restart.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        } else {
            restart.set(RestartStrategyOptions.RESTART_STRATEGY, "failure-rate");
            restart.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL, attempts);
            restart.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL,
                    Duration.ofMillis(config.get(JobOptions.JOB_RESTART_WINDOW)));
            restart.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY, BoundedRun.RESTART_DELAY);
        }
        env.configure(restart);
    }
}
