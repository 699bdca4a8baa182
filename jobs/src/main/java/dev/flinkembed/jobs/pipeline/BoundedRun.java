package dev.flinkembed.jobs.pipeline;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import java.time.Duration;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * How a bounded run (bulk, reindex) executes: in batch mode, and restarted after a failure up to
 * {@code job.restart-attempts} times, 5 s apart, set on the job itself so that a session cluster's default (no
 * restarts when checkpointing is off) does not decide it. In batch mode Flink restarts only the failed region and
 * re-reads the blocking results it lost; the sinks make the rerun of a region harmless (Parquet files are committed at
 * the end, pgvector rows are upserts by chunk).
 */
public final class BoundedRun {

    static final Duration RESTART_DELAY = Duration.ofSeconds(5);

    private BoundedRun() {}

    public static void configure(StreamExecutionEnvironment env, JobConfig config, int parallelism) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(parallelism);
        int attempts = config.get(JobOptions.JOB_RESTART_ATTEMPTS);
        Configuration restart = new Configuration();
        if (attempts == 0) {
            restart.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        } else {
            restart.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, attempts);
            restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, RESTART_DELAY);
        }
        env.configure(restart);
    }
}
