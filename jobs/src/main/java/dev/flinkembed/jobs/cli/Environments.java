package dev.flinkembed.jobs.cli;

import dev.flinkembed.runtime.loading.NativeThreads;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Where jobs run: the cluster's environment under `flink run`, otherwise a local MiniCluster. */
public final class Environments {

    private Environments() {
    }

    /** A local MiniCluster (or the cluster's context) with one slot per parallel task. */
    public static StreamExecutionEnvironment local(int parallelism) {
        // Slots share the cores: give each slot's model its share of PyTorch threads (when not set explicitly).
        NativeThreads.setThreadsIfUnset(Runtime.getRuntime().availableProcessors() / parallelism);
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        // Accumulators reach the client with heartbeats: often enough for progress lines.
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, java.time.Duration.ofSeconds(2));
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }
}
