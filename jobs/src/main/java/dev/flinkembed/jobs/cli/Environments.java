package dev.flinkembed.jobs.cli;

import java.time.Duration;
import org.apache.flink.client.program.StreamContextEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Where jobs run: the cluster's environment under `flink run`, otherwise a local MiniCluster. */
public final class Environments {

    private Environments() {}

    /**
     * True under {@code flink run -d}: the job was handed to the cluster and the client should return at once instead
     * of following it (a local MiniCluster is never detached).
     */
    public static boolean detached(StreamExecutionEnvironment env) {
        return env instanceof StreamContextEnvironment
                && !env.getConfiguration().get(DeploymentOptions.ATTACHED);
    }

    /** A local MiniCluster (or the cluster's context) with one slot per parallel task. */
    public static StreamExecutionEnvironment local(int parallelism) {
        // Each slot's model gets cores / slots PyTorch threads, decided in the TaskManager (EmbeddingFunction.open).
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        // Accumulators reach the client with heartbeats: often enough for progress lines.
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(2));
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }
}
