package dev.flinkembed.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    @TempDir
    Path dir;

    @Test
    void yamlIsFlattenedAndOverridesWin() throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, """
                model:
                  name: builtin:all-minilm-l6-v2
                batch:
                  token-budget: 4096
                  max-wait: 20ms
                chunking:
                  overlap-tokens: 16
                """);
        JobConfig c = JobConfig.load(yaml, List.of("batch.token-budget=2048"));
        assertThat(c.get(JobOptions.BATCH_TOKEN_BUDGET)).isEqualTo(2048);
        assertThat(c.get(JobOptions.BATCH_MAX_WAIT)).isEqualTo(20L);
        assertThat(c.get(JobOptions.CHUNK_OVERLAP)).isEqualTo(16);
        assertThat(c.get(JobOptions.EMBED_TIMEOUT)).isEqualTo(600_000L);
    }

    @Test
    void unknownKeysAreRejectedWithASuggestion() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("batch.tokn-budget=10")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown configuration key 'batch.tokn-budget'")
                .hasMessageContaining("did you mean 'batch.token-budget'");
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAccepted() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("batch.token-budget=lots")))
                .hasMessage("configuration key 'batch.token-budget': value 'lots' is not accepted; "
                        + "accepted: a whole number ≥ 1");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("model.pooling=max")))
                .hasMessageContaining("'model.pooling'")
                .hasMessageContaining("'max'")
                .hasMessageContaining("mean, cls, last-token");
        assertThatThrownBy(() -> JobConfig.load(null, List.of("batch.max-wait=soon")))
                .hasMessageContaining("'batch.max-wait'")
                .hasMessageContaining("50ms");
    }

    @Test
    void crossKeyMistakesAreCaught() {
        JobConfig c = JobConfig.load(null, List.of("embed.capacity=10", "batch.max-size=64"));
        assertThatThrownBy(() -> Settings.embedding(c))
                .hasMessageContaining("embed.capacity")
                .hasMessageContaining("batch.max-size");
        JobConfig bad = JobConfig.load(null, List.of("model.name=/no/such/model"));
        assertThatThrownBy(() -> Settings.model(bad))
                .hasMessageContaining("model.name")
                .hasMessageContaining("/no/such/model");
    }

    @Test
    void precisionMistakesNameTheKeys() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("model.precision=int4")))
                .hasMessageContaining("'model.precision'")
                .hasMessageContaining("'int4'")
                .hasMessageContaining("fp32, int8, fp16");
        JobConfig both = JobConfig.load(null, List.of("model.float16=true", "model.precision=int8"));
        assertThatThrownBy(() -> Settings.model(both))
                .hasMessageContaining("model.float16")
                .hasMessageContaining("model.precision")
                .hasMessageContaining("disagree");
        JobConfig half = JobConfig.load(null, List.of("model.precision=fp16"));
        assertThatThrownBy(() -> Settings.model(half))
                .hasMessageContaining("'model.precision'")
                .hasMessageContaining("accepted for builtin:all-minilm-l6-v2: fp32, int8");
        assertThat(Settings.model(JobConfig.load(null, List.of("model.precision=int8")))
                        .precision())
                .isEqualTo(dev.flinkembed.runtime.encoder.Precision.INT8);
        assertThat(Settings.model(JobConfig.load(null, List.of())).precision())
                .isEqualTo(dev.flinkembed.runtime.encoder.Precision.FP32);
    }

    @Test
    void theShippedExampleConfigurationsAreValid() {
        Path conf = dev.flinkembed.jobs.TestCorpus.SAMPLE.getParent().getParent();
        JobConfig c = JobConfig.load(conf.resolve("bulk-local.yaml"), List.of());
        Settings.embedding(c);
        Settings.chunking(c);
        for (String stream : List.of("stream-kafka.yaml", "stream-debezium.yaml")) {
            JobConfig s = JobConfig.load(conf.resolve(stream), List.of());
            Settings.kafkaSource(s);
            Settings.chunking(s);
        }
        assertThat(Settings.kafkaSource(JobConfig.load(conf.resolve("stream-debezium.yaml"), List.of()))
                        .fields()
                        .text())
                .containsExactly("name", "body");
    }

    @Test
    void aFlatMapSuchAsASqlWithClauseIsCheckedAsYamlIs() {
        JobConfig c = JobConfig.of(java.util.Map.of("model.name", "builtin:all-minilm-l6-v2", "batch.max-size", "16"));
        assertThat(c.get(JobOptions.BATCH_MAX_SIZE)).isEqualTo(16);
        assertThatThrownBy(() -> JobConfig.of(java.util.Map.of("batch.max-size", "none")))
                .hasMessageContaining("configuration key 'batch.max-size': value 'none' is not accepted");
        assertThatThrownBy(() -> JobConfig.of(java.util.Map.of("provider", "flink-embed")))
                .hasMessageContaining("unknown configuration key 'provider'");
    }
}
