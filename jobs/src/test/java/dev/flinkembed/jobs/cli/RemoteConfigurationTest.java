package dev.flinkembed.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mistakes in the remote backend's configuration fail before the job starts, with the key named. */
class RemoteConfigurationTest {

    @TempDir
    Path dir;

    private CliRun bulk(String... sets) {
        String[] base = {
            "bulk",
            "--input",
            TestCorpus.SAMPLE.toString(),
            "--output",
            dir.resolve("out").toString(),
            "--set",
            "embed.backend=remote"
        };
        String[] args = new String[base.length + sets.length * 2];
        System.arraycopy(base, 0, args, 0, base.length);
        for (int i = 0; i < sets.length; i++) {
            args[base.length + 2 * i] = "--set";
            args[base.length + 2 * i + 1] = sets[i];
        }
        return CliRun.of(args);
    }

    @Test
    void aMissingUrlIsNamed() {
        CliRun run = bulk("remote.model=m");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("remote.url");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void aUrlThatIsNotHttpIsNamed() {
        CliRun run = bulk("remote.url=grpc://host:1", "remote.model=m");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("configuration key 'remote.url'").contains("grpc://host:1");
    }

    @Test
    void anUnsetApiKeyVariableIsNamedButNeverAKey() {
        CliRun run = bulk(
                "remote.url=http://127.0.0.1:1/v1",
                "remote.model=m",
                "remote.api-key-env=FLINK_EMBED_TEST_KEY_THAT_IS_NOT_SET");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("configuration key 'remote.api-key-env'")
                .contains("FLINK_EMBED_TEST_KEY_THAT_IS_NOT_SET' is not set");
    }

    @Test
    void anUnknownBackendIsNamedWithTheAcceptedValues() {
        CliRun run = bulk("embed.backend=vllm");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("embed.backend").contains("in-process").contains("remote");
    }
}
