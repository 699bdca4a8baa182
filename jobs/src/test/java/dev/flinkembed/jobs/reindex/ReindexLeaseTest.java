package dev.flinkembed.jobs.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.CliRun;
import dev.flinkembed.operators.testing.PgliteServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reindex run whose lock another run takes over (here: the lock row given to another owner, as a run would after
 * this one's lease expired unrenewed) stops writing and exits 4 with the reason, instead of writing on beside the new
 * holder: every batch's transaction checks the lock row FOR SHARE ({@code LockFence}), so nothing is written after
 * the takeover commits; the client also cancels the job when its renewal finds the lock gone.
 */
@Tag("e2e")
class ReindexLeaseTest {

    @TempDir
    Path dir;

    private static long count(PgliteServer pg, String sql) {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    @Test
    void aRunThatLosesItsLeaseStopsWritingAndExits4() throws Exception {
        Map<String, String> docs = new LinkedHashMap<>();
        for (GenericRecord r : TestCorpus.replicated(1)) {
            docs.put(r.get("id").toString(), r.get("text").toString());
        }
        Path input = TestCorpus.writeDocuments(dir.resolve("docs.parquet"), docs);
        try (PgliteServer pg = PgliteServer.start()) {
            CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of(
                    "reindex",
                    "--input",
                    input.toString(),
                    "--pg-url",
                    pg.jdbcUrl(),
                    "--table",
                    "leased",
                    "--output",
                    dir.resolve("out").toString(),
                    "--set",
                    "job.progress-interval=0",
                    "--set",
                    "reindex.lock-lease=3s",
                    "--set",
                    "pgvector.batch-size=25"));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (count(pg, "SELECT count(*) FROM leased") < 100 && !run.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(run.isDone()).as("the run is still writing").isFalse();
            // pg.connect(): one simple-protocol message, which the run's lock renewal cannot split (see PgliteServer)
            try (Connection c = pg.connect();
                    Statement s = c.createStatement()) {
                assertThat(s.executeUpdate("UPDATE flink_embed_locks SET owner = 'another-run', renewed_at = now() "
                                + "WHERE name = 'reindex public.leased'"))
                        .isEqualTo(1);
            }
            long atTakeover = count(pg, "SELECT count(*) FROM leased");
            CliRun result = run.get(2, TimeUnit.MINUTES);
            long atExit = count(pg, "SELECT count(*) FROM leased");
            assertThat(atExit).as("no batch committed after the takeover").isEqualTo(atTakeover);
            Thread.sleep(2000);
            assertThat(result.code()).as(result.err()).isEqualTo(4);
            assertThat(result.err())
                    .contains("lost the reindex lock of public.leased")
                    .contains("another run took the lock over")
                    .contains("stopped writing");
            assertThat(count(pg, "SELECT count(*) FROM leased"))
                    .as("nothing written after the run ended")
                    .isEqualTo(atExit);
            assertThat(atExit).as("stopped before the end").isLessThan(docs.size());
            assertThat(count(pg, "SELECT count(*) FROM flink_embed_locks WHERE owner = 'another-run'"))
                    .as("the new holder's lock is left alone")
                    .isEqualTo(1);
            System.out.printf(
                    "lost lease: %d rows at the takeover, %d when the run exited 4 (of %d documents)%n",
                    atTakeover, atExit, docs.size());
        }
    }
}
