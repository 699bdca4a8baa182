package dev.flinkembed.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command as a user runs it after {@code mvn package}: {@code bin/flink-embed bulk} in its own
 * process, on the class path the script builds from {@code jobs/target/lib}. In-JVM tests run on Maven's test class
 * path and cannot see a jar missing from that folder (parquet-jackson and snappy-java once were: the command failed
 * reading the first Parquet footer).
 */
@Tag("e2e")
class ReadmeCommandIT {

    @TempDir
    Path dir;

    @Test
    void theBulkCommandOfTheReadmeEmbedsTheSampleCorpus() throws Exception {
        Path home = TestCorpus.locate("bin/flink-embed").getParent().getParent();
        Path out = dir.resolve("out");
        Process p = new ProcessBuilder(
                        "bash",
                        "bin/flink-embed",
                        "bulk",
                        "--input",
                        "conf/samples/debian-descriptions-1000.parquet",
                        "--output",
                        out.toString())
                .directory(home.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("Done: 1000/1000 documents read, 0 rejected");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(DISTINCT doc_id), count(*) FROM read_parquet('"
                        + out.resolve("vectors") + "/*.parquet')")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1000);
            assertThat(rs.getLong(2)).isGreaterThanOrEqualTo(1000);
        }
    }
}
