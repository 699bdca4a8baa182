package dev.flinkembed.jobs.reindex;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.progress.ProgressPrinter;
import dev.flinkembed.operators.reindex.ReindexCounters;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One reindex run, as the client drives it: check the configuration, take the table's lock (exit 4 if another run
 * holds it), run the plan pass when deletions must be checked first or for a dry run (it reads and chunks the corpus
 * and scans the index, embeds and writes nothing), refuse a full-sync that would delete too much (exit 3), then the
 * write pass, and print the JSON summary. Every write is idempotent, so a run killed half-way and started again
 * finds what it had written unchanged and does only the rest.
 */
public final class ReindexRun implements Callable<Integer> {

    public static final int EXIT_TOO_MANY_DELETES = 3;
    public static final int EXIT_ALREADY_RUNNING = 4;

    private final JobConfig config;
    private final boolean dryRun;
    private final boolean force;
    private final Supplier<StreamExecutionEnvironment> environments;
    private final PrintStream out;
    private final PrintStream err;

    public ReindexRun(JobConfig config, boolean dryRun, boolean force, Supplier<StreamExecutionEnvironment> environments,
                      PrintStream out, PrintStream err) {
        this.config = config;
        this.dryRun = dryRun;
        this.force = force;
        this.environments = environments;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        ReindexJob.Plan plan = ReindexJob.plan(config, dryRun);
        ReindexLock lock;
        try {
            lock = dryRun ? null : ReindexLock.acquire(plan.pgvector(), plan.lockLeaseMillis());
        } catch (ReindexLock.HeldException e) {
            err.println("error: " + e.getMessage());
            out.println(ReindexSummary.line("already-running", plan, dryRun, Map.of(), seconds(start)));
            return EXIT_ALREADY_RUNNING;
        }
        try {
            if (dryRun || plan.fullSync()) {
                Map<String, Object> planned = execute(plan, true);
                long deleted = ReindexSummary.value(planned, ReindexCounters.DELETED);
                long indexed = ReindexSummary.value(planned, ReindexCounters.INDEXED);
                out.printf("Plan: %d documents in the input, %d in the index: %d unchanged, %d changed, %d new, %d to "
                                + "delete; %d chunks to embed, %d to update in place%n",
                        ReindexSummary.value(planned, ReindexCounters.SCANNED), indexed,
                        ReindexSummary.value(planned, ReindexCounters.UNCHANGED),
                        ReindexSummary.value(planned, ReindexCounters.CHANGED),
                        ReindexSummary.value(planned, ReindexCounters.NEW), deleted,
                        ReindexSummary.value(planned, ReindexCounters.CHUNKS_TO_EMBED),
                        ReindexSummary.value(planned, ReindexCounters.LINEAGE_UPDATES));
                if (dryRun) {
                    out.println(ReindexSummary.line("dry-run", plan, true, planned, seconds(start)));
                    return 0;
                }
                if (!force && deleted > plan.maxDeleteFraction() * indexed) {
                    err.printf("error: full-sync would delete %d of the %d indexed documents (%.1f%%), more than "
                                    + "reindex.max-delete-fraction = %s: nothing was written. Check --input (a missing or "
                                    + "partial corpus?), raise --max-delete-fraction, or pass --force%n", deleted, indexed,
                            100.0 * deleted / Math.max(1, indexed), plan.maxDeleteFraction());
                    out.println(ReindexSummary.line("refused", plan, false, planned, seconds(start)));
                    return EXIT_TOO_MANY_DELETES;
                }
                if (ReindexSummary.value(planned, ReindexCounters.CHUNKS_TO_EMBED) == 0 && deleted == 0
                        && ReindexSummary.value(planned, ReindexCounters.LINEAGE_UPDATES) == 0) {
                    out.println(ReindexSummary.line("ok", plan, false, planned, seconds(start)));
                    return 0; // nothing to write: no second pass
                }
            }
            Map<String, Object> written = execute(plan, false);
            out.println(ReindexSummary.line("ok", plan, false, written, seconds(start)));
            return 0;
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private Map<String, Object> execute(ReindexJob.Plan plan, boolean planPass) throws Exception {
        StreamExecutionEnvironment env = environments.get();
        ReindexJob.build(env, plan, planPass);
        String name = (config.isSet(JobOptions.JOB_NAME) ? config.get(JobOptions.JOB_NAME) : "flink-embed reindex")
                + (planPass ? " (plan)" : "");
        JobClient client = env.executeAsync(name);
        out.printf("Submitted %s (%s): %s ⋈ %s%n", name, client.getJobID(), plan.input().files().size() == 1
                ? plan.input().files().get(0) : plan.input().files().size() + " files", plan.pgvector());
        long interval = planPass ? 0 : config.get(JobOptions.JOB_PROGRESS_INTERVAL);
        try (ProgressPrinter progress = new ProgressPrinter(client, plan.input().documents(), out, interval)) {
            JobExecutionResult result = client.getJobExecutionResult().get();
            if (!planPass) {
                progress.printSummary(result);
            }
            return result.getAllAccumulatorResults();
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
