package dev.flinkembed.jobs.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import org.junit.jupiter.api.Test;

/** Mistakes in a reindex command line stop it before anything runs: exit 2, the key, the value, what is accepted. */
class ReindexConfigurationTest {

    private static CliRun reindex(String... more) {
        String[] base = {
            "reindex",
            "--input",
            TestCorpus.SAMPLE.toString(),
            "--pg-url",
            "jdbc:postgresql://127.0.0.1:1/none",
            "--table",
            "t"
        };
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.of(args);
    }

    @Test
    void anUnknownModeNamesTheKeyAndTheAcceptedValues() {
        CliRun run = reindex("--mode", "sideways");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("reindex.mode").contains("sideways").contains("incremental, full-sync");
    }

    @Test
    void aDeleteFractionOutsideZeroToOneIsRefused() {
        CliRun run = reindex("--mode", "full-sync", "--max-delete-fraction", "1.5");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("reindex.max-delete-fraction")
                .contains("1.5")
                .contains("from 0 to 1");
    }

    @Test
    void aMissingTableIsNamed() {
        CliRun run = CliRun.of(
                "reindex", "--input", TestCorpus.SAMPLE.toString(), "--pg-url", "jdbc:postgresql://127.0.0.1:1/none");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("pgvector.table").contains("--table");
    }

    @Test
    void anUnreachableDatabaseIsAConfigurationErrorBeforeAnyJob() {
        CliRun run = reindex();
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("pgvector.url").doesNotContain("Submitted");
        assertThat(run.out()).doesNotContain("Submitted");
    }
}
