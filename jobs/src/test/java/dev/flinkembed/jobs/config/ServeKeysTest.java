package dev.flinkembed.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.serve.ServeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve reads the same configuration system as the jobs: YAML, then --set, then flags; mistakes name the key. */
class ServeKeysTest {

    private static final ModelOptions MODEL = ModelOptions.defaults(ModelOptions.DEFAULT_MODEL);

    @Test
    void theDefaultsAreTheServersOwn() {
        ServeOptions o = ServeKeys.options(JobConfig.defaults(), MODEL);
        assertThat(o.port()).isEqualTo(ServeOptions.DEFAULT_PORT);
        assertThat(o.threads()).isEqualTo(ServeOptions.DEFAULT_THREADS);
        assertThat(o.maxRequestBytes()).isEqualTo(ServeOptions.DEFAULT_MAX_REQUEST_BYTES);
        assertThat(o.readTimeoutSeconds()).isEqualTo(ServeOptions.DEFAULT_READ_TIMEOUT_SECONDS);
        assertThat(o.servedName()).isEqualTo("all-minilm-l6-v2");
    }

    @Test
    void yamlThenSetThenFlags(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("serve.yaml"), """
                serve:
                  port: 9000
                  threads: 8
                  max-request-bytes: 1mb
                  read-timeout: 2min
                  served-model-name: minilm
                """);
        JobConfig c = JobConfig.load(yaml, List.of("serve.threads=16")).with(ServeKeys.PORT, "0");
        ServeOptions o = ServeKeys.options(c, MODEL);
        assertThat(o.port()).isZero();
        assertThat(o.threads()).isEqualTo(16);
        assertThat(o.maxRequestBytes()).isEqualTo(1L << 20);
        assertThat(o.readTimeoutSeconds()).isEqualTo(120);
        assertThat(o.servedName()).isEqualTo("minilm");
    }

    @Test
    void mistakesNameTheKeyTheValueAndWhatIsAccepted() {
        assertThatThrownBy(() -> JobConfig.load(null, List.of("serve.threads=0")))
                .hasMessageContaining("serve.threads")
                .hasMessageContaining("'0'");
        assertThatThrownBy(() -> ServeKeys.options(JobConfig.load(null, List.of("serve.read-timeout=500ms")), MODEL))
                .hasMessageContaining("serve.read-timeout")
                .hasMessageContaining("at least 1s");
        assertThatThrownBy(() -> ServeKeys.options(
                        JobConfig.load(null, List.of("serve.tls-keystore=/no/such/keystore.p12")), MODEL))
                .hasMessageContaining("serve.tls-keystore")
                .hasMessageContaining("a readable key store file");
    }
}
