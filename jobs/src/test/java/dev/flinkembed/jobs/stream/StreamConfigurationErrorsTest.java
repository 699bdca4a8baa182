package dev.flinkembed.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.PgliteServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Configuration mistakes of the stream job fail before any data moves, exit code 2, the key named. */
class StreamConfigurationErrorsTest {

    static KafkaBroker kafka;
    static PgliteServer pg;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start();
        kafka.createTopic("docs", 1);
        pg = PgliteServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) {
            pg.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static CliRun stream(String... more) {
        String[] base = {
            "stream",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic",
            "docs",
            "--pg-url",
            pg.jdbcUrl(),
            "--table",
            "vectors_cfg"
        };
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.of(args);
    }

    @Test
    void aParquetChangeLogNeedsAnOutputAndCheckpoints() {
        CliRun noOutput = stream("--sink", "parquet");
        assertThat(noOutput.code()).isEqualTo(2);
        assertThat(noOutput.err()).contains("sink.path").contains("--output");
        CliRun noCheckpoints =
                stream("--sink", "parquet", "--output", "target/never-written", "--set", "job.checkpoint-interval=0");
        assertThat(noCheckpoints.code()).isEqualTo(2);
        assertThat(noCheckpoints.err()).contains("job.checkpoint-interval").contains("committed on checkpoints");
        CliRun badPartitioning =
                stream("--sink", "parquet", "--output", "target/never-written", "--set", "sink.partitioning=daily");
        assertThat(badPartitioning.code()).isEqualTo(2);
        assertThat(badPartitioning.err()).contains("sink.partitioning").contains("hour, none");
    }

    @Test
    void anUnknownKeyIsNamedWithASuggestion() {
        CliRun run = stream("--set", "kafka.topics=docs");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("unknown configuration key 'kafka.topics'")
                .contains("kafka.topic");
    }

    @Test
    void anUnreachableBrokerIsNamed() {
        CliRun run = CliRun.of(
                "stream",
                "--bootstrap-servers",
                "127.0.0.1:1",
                "--topic",
                "docs",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "vectors_cfg",
                "--set",
                "kafka.check-timeout=2s");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("configuration key 'kafka.bootstrap-servers'")
                .contains("cannot reach Kafka at '127.0.0.1:1' within 2000 ms");
    }

    @Test
    void aMissingTopicIsNamed() {
        CliRun run = CliRun.of(
                "stream",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "nope",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "vectors_cfg");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("configuration key 'kafka.topic': topic 'nope' does not exist");
    }

    @Test
    void aTableOfAnotherDimensionIsNamed() throws Exception {
        try (Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE wrong_dims (doc_id text, chunk_index int, embedding vector(768), "
                    + "PRIMARY KEY (doc_id, chunk_index))");
        }
        CliRun run = CliRun.of(
                "stream",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "docs",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "wrong_dims");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("configuration key 'pgvector.table'")
                .contains("public.wrong_dims holds embedding vector(768) but this job writes vector(384)");
    }

    @Test
    void aTableNameThatIsNotAnIdentifierIsRejected() {
        CliRun run = CliRun.of(
                "stream",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "docs",
                "--pg-url",
                pg.jdbcUrl(),
                "--table",
                "x;drop table y");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("configuration key 'pgvector.table'")
                .contains("'x;drop table y' is not accepted");
    }

    @Test
    void theBadConfigurationsCreatedNothing() throws Exception {
        anUnreachableBrokerIsNamed();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('public.vectors_cfg') IS NULL")) {
            rs.next();
            assertThat(rs.getBoolean(1))
                    .as("no table created by a failed configuration")
                    .isTrue();
        }
        assertThat(kafka.topics()).doesNotContain("docs.dead-letter");
    }
}
