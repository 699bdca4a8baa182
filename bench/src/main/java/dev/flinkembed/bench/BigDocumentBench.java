package dev.flinkembed.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.bulk.BulkJob;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.progress.ProgressPrinter;
import dev.flinkembed.operators.metrics.SumTokens;
import dev.flinkembed.operators.testing.ParquetRows;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * {@code bench --suite big-document}: one document of N MB (Debian descriptions end to end) through the bulk job,
 * 1 slot, against {@link InstantEmbeddingsServer} so that the time is the pipeline's own (reading, tokenizing,
 * chunking, requests, Parquet), with {@code chunking.max-document-chars} just above its size. Reports this JVM's
 * peak resident memory (VmHWM) and its resident memory before the job, sampled every 100 ms in between.
 */
final class BigDocumentBench {

    private BigDocumentBench() {}

    static void run(Path corpus, int megabytes, PrintStream out, PrintStream table) throws Exception {
        Path dir = Files.createTempDirectory("flink-embed-big-document");
        String text = documentOf(corpus, megabytes << 20);
        Path input = dir.resolve("big.jsonl");
        Files.writeString(
                input, new ObjectMapper().createObjectNode().put("id", "big").put("text", text) + "\n");
        int chars = text.length();
        text = null; // the job reads the file; the bench holds no copy
        System.gc();
        try (InstantEmbeddingsServer stub = new InstantEmbeddingsServer(384)) {
            JobConfig config = JobConfig.defaults()
                    .with(JobOptions.SOURCE_PATH, input.toString())
                    .with(JobOptions.SINK_PATH, dir.resolve("out").toString())
                    .with(JobOptions.JOB_PROGRESS_INTERVAL, "0")
                    .with(JobOptions.CHUNK_MAX_DOCUMENT_CHARS, Integer.toString(chars + 1))
                    .with(JobOptions.EMBED_BACKEND, "remote")
                    .with(JobOptions.REMOTE_URL, stub.url())
                    .with(JobOptions.REMOTE_MODEL, "instant");
            long before = procStatus("VmRSS");
            AtomicLong peakSampled = new AtomicLong(before);
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(
                    () -> peakSampled.accumulateAndGet(procStatus("VmRSS"), Math::max),
                    100,
                    100,
                    TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            JobExecutionResult result =
                    BulkJob.run(dev.flinkembed.jobs.cli.Environments.local(1), BulkJob.plan(config), out);
            double seconds = (System.nanoTime() - start) / 1e9;
            sampler.shutdownNow();
            long tokens = ProgressPrinter.count(result.getAllAccumulatorResults(), SumTokens.TOKENS_EMBEDDED);
            table.printf("| document | characters | chunks | tokens | seconds | tokens/s | RSS before | peak RSS "
                    + "(sampled) | VmHWM | heap max |%n|---|---|---|---|---|---|---|---|---|---|%n");
            table.printf(
                    "| %d MB, 1 slot, remote → instant stub | %,d | %,d | %,d | %.1f | %,.0f | %,d MB | %,d MB | %,d MB "
                            + "| %,d MB |%n",
                    megabytes,
                    chars,
                    stub.inputs(),
                    tokens,
                    seconds,
                    tokens / seconds,
                    before >> 10,
                    peakSampled.get() >> 10,
                    procStatus("VmHWM") >> 10,
                    Runtime.getRuntime().maxMemory() >> 20);
        }
    }

    /** Debian descriptions end to end, repeated until {@code bytes} characters. */
    private static String documentOf(Path corpus, int chars) throws Exception {
        List<GenericRecord> rows = ParquetRows.head(corpus, 20_000);
        StringBuilder b = new StringBuilder(chars + 4096);
        for (int i = 0; b.length() < chars; i++) {
            b.append(rows.get(i % rows.size()).get("text")).append("\n\n");
        }
        b.setLength(chars);
        return b.toString();
    }

    /** A /proc/self/status field in kB (Linux). */
    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
