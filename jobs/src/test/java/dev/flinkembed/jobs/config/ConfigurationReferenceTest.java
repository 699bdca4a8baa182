package dev.flinkembed.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is what the key declarations generate: no key undocumented, no default shown wrong. */
class ConfigurationReferenceTest {

    @Test
    void theDocsAreGeneratedFromTheDeclarations() throws Exception {
        Path docs = TestCorpus.locate("docs/configuration.md");
        assertThat(Files.readString(docs))
                .as("docs/configuration.md is stale: regenerate it with "
                        + "`bin/flink-embed options > docs/configuration.md`")
                .isEqualTo(ConfigurationReference.markdown());
    }

    @Test
    void everyKeyAndEveryStoreKeyIsListedWithItsDefault() {
        String text = ConfigurationReference.markdown();
        for (var key : JobOptions.all().values()) {
            assertThat(text)
                    .contains("| `" + key.name() + "` | "
                            + (key.defaultValue() == null ? "—" : "`" + key.defaultValue() + "`") + " |");
        }
        assertThat(text).contains("`pgvector.url`").contains("## Vector store: pgvector (`sink.type: pgvector`)");
    }
}
