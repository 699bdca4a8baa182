package dev.flinkembed.jobs.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --parallelism reaches the model stage as a parallelism Flink's adaptive batch scheduler must keep: an operator
 * whose parallelism is not configured is sized by its input bytes instead, which ran the model in one slot.
 */
class BulkJobParallelismTest {

    @TempDir
    Path dir;

    @Test
    void everyOperatorFromChunkingToTheSinkRunsInTheSlotsAskedFor() {
        BulkJob.Plan plan = BulkJob.plan(JobConfig.defaults()
                .with(JobOptions.SOURCE_PATH, TestCorpus.SAMPLE.toString())
                .with(JobOptions.SINK_PATH, dir.resolve("out").toString())
                .with(JobOptions.JOB_PARALLELISM, "3"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        BulkJob.build(env, plan);
        List<JobVertex> vertices = List.of(env.getStreamGraph().getJobGraph().getVerticesAsArray());
        vertices.forEach(v -> System.out.printf(
                "%s: parallelism %d, configured %s%n", v.getName(), v.getParallelism(), v.isParallelismConfigured()));
        // chunk -> embed -> route refused chunks -> count embedded -> write vectors, chained into one vertex
        JobVertex modelStage = vertices.stream()
                .filter(v -> v.getName().contains("embed"))
                .findFirst()
                .orElseThrow();
        assertThat(modelStage.getName()).contains("chunk", "write vectors");
        assertThat(modelStage.getParallelism()).isEqualTo(3);
        assertThat(modelStage.isParallelismConfigured())
                .as("parallelism fixed for the adaptive batch scheduler")
                .isTrue();
    }
}
