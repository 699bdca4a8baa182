package dev.flinkembed.jobs.progress;

import dev.flinkembed.jobs.pipeline.DeadLetterOutput;
import dev.flinkembed.operators.chunking.ChunkingFunction;
import dev.flinkembed.operators.sources.RouteParsedRecords;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;

/**
 * Prints a job's progress from its accumulators (documents read, chunks embedded, rate, and an ETA when the input size is known). The same
 * numbers are Flink metrics of the operators (documentsRead, embedding.chunks, embedding.chunksPerSecond) for
 * dashboards on a cluster.
 */
public final class ProgressPrinter implements AutoCloseable {

    /** Accumulator of the chunks that left the embedding operator. */
    public static final String CHUNKS_EMBEDDED = "chunks-embedded";

    private final JobClient client;
    private final long totalDocuments;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer;

    public ProgressPrinter(JobClient client, long totalDocuments, PrintStream out, long intervalMillis) {
        this.client = client;
        this.totalDocuments = totalDocuments;
        this.out = out;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        if (intervalMillis > 0) {
            timer.scheduleAtFixedRate(this::poll, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void poll() {
        try {
            Map<String, Object> acc = client.getAccumulators().get(5, TimeUnit.SECONDS);
            out.println(line(acc, false));
        } catch (Exception e) {
            // The job may be finishing; the summary follows.
        }
    }

    String line(Map<String, Object> acc, boolean done) {
        long docs = count(acc, RouteParsedRecords.DOCUMENTS_READ);
        long rejected = count(acc, RouteParsedRecords.RECORDS_REJECTED);
        long created = count(acc, ChunkingFunction.CHUNKS_CREATED);
        long embedded = count(acc, CHUNKS_EMBEDDED);
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = embedded / Math.max(seconds, 1e-9);
        StringBuilder s = new StringBuilder(done ? "Done: " : "Progress: ");
        s.append(docs)
                .append(totalDocuments > 0 ? "/" + totalDocuments : "")
                .append(" documents read, ")
                .append(rejected)
                .append(" rejected, ")
                .append(embedded)
                .append(" chunks embedded (")
                .append(String.format("%.1f", rate))
                .append(" chunks/s, ")
                .append(String.format("%.0f s", seconds))
                .append(")");
        if (!done && totalDocuments > 0 && docs > 0 && created > 0 && rate > 0) {
            double expectedChunks = (double) created / docs * totalDocuments;
            double eta = Math.max(0, expectedChunks - embedded) / rate;
            s.append(String.format(", ETA %.0f s", eta));
        }
        return s.toString();
    }

    public void printSummary(JobExecutionResult result) {
        out.println(line(result.getAllAccumulatorResults(), true));
        Map<String, Long> deadLetters = DeadLetterOutput.counts(result.getAllAccumulatorResults());
        if (!deadLetters.isEmpty()) {
            out.println("Dead letters: "
                    + deadLetters.values().stream().mapToLong(Long::longValue).sum() + " by stage/kind " + deadLetters);
        }
    }

    /** An accumulator's value as a count (0 when the job never registered it). */
    public static long count(Map<String, Object> acc, String name) {
        Object v = acc.get(name);
        return v instanceof Number n ? n.longValue() : 0;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
