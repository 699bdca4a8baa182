package dev.flinkembed.jobs.reindex;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.jobs.evaluate.EvaluationGate;
import dev.flinkembed.jobs.evaluate.TableEvaluation;
import dev.flinkembed.jobs.progress.ProgressPrinter;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.reindex.ReindexCounters;
import dev.flinkembed.operators.store.Lineage;
import dev.flinkembed.operators.store.StoreLock;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.StoreVersion;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One reindex run, as the client drives it: check the configuration, take the table's lock (exit 4 if another run
 * holds it), compare the job's model with the index's, then either
 * <ul>
 *   <li>the same model: run the plan pass when deletions must be checked first or for a dry run (it reads and chunks
 *   the corpus and scans the index, embeds and writes nothing), refuse a full-sync that would delete too much
 *   (exit 3), then the write pass; or</li>
 *   <li>another model: build a new version of the table beside the live one (readers keep the live version), index
 *   the corpus into it, add its HNSW index, and switch the table's view to it in one transaction.</li>
 * </ul>
 * Every write is idempotent, so a run killed half-way and started again finds what it had written unchanged (in the
 * table, or in the version it was building) and does only the rest. Prints the JSON summary last.
 */
public final class ReindexRun implements Callable<Integer> {

    public static final int EXIT_TOO_MANY_DELETES = 3;
    public static final int EXIT_ALREADY_RUNNING = 4;
    public static final int EXIT_GATE_REFUSED = 5;

    private final JobConfig config;
    private final boolean dryRun;
    private final boolean force;
    private final Supplier<StreamExecutionEnvironment> environments;
    private final PrintStream out;
    private final PrintStream err;

    public ReindexRun(
            JobConfig config,
            boolean dryRun,
            boolean force,
            Supplier<StreamExecutionEnvironment> environments,
            PrintStream out,
            PrintStream err) {
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
        ModelIdentity model = ModelIdentity.of(plan.embedding());
        try {
            lock = dryRun ? null : lockOrFail(plan);
        } catch (StoreLock.HeldException e) {
            err.println("error: " + e.getMessage());
            out.println(ReindexSummary.line("already-running", plan, dryRun, Map.of(), seconds(start), null));
            return EXIT_ALREADY_RUNNING;
        }
        if (lock != null) {
            lock.onLost(this::cancelRunningJob);
            plan = plan.withFence(lock.fence());
        }
        try {
            return underLock(plan, model, start);
        } catch (LeaseLost e) {
            err.println("error: " + e.getMessage());
            out.println(ReindexSummary.line("lock-lost", plan, dryRun, Map.of(), seconds(start), null));
            return EXIT_ALREADY_RUNNING;
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    /** The lock was lost while this run held it: it stopped writing (its job cancelled) and switches nothing. */
    private static final class LeaseLost extends RuntimeException {
        LeaseLost(String message) {
            super(message);
        }
    }

    private StoreLock lock;
    private volatile JobClient running;

    private void cancelRunningJob() {
        JobClient client = running;
        if (client != null) {
            try {
                client.cancel();
            } catch (RuntimeException e) {
                // the job already ended (its writers' fence may have stopped it first)
            }
        }
    }

    /** Stops the run when its lock is gone: before any step that writes or switches, and after each job. */
    private void checkLease(ReindexJob.Plan plan) {
        if (lock != null && lock.lost()) {
            throw new LeaseLost("this run lost the reindex lock of "
                    + plan.store().name() + ": " + lock.lostReason() + ". It stopped writing and switched "
                    + "nothing; the run that holds the lock now goes on (run again once it is done)");
        }
    }

    private int underLock(ReindexJob.Plan plan, ModelIdentity model, long start) throws Exception {
        try (StoreSession s = plan.store().open()) {
            Optional<Lineage> indexed = s.currentModel();
            VectorStore live = s.live();
            if (indexed.isPresent() && !indexed.get().fingerprint().equals(model.fingerprint())) {
                return newVersion(s, plan.withTarget(live, true), model, indexed.get(), start);
            }
            if (!dryRun) {
                live.prepare(); // creates the collection when missing, checks its fields and vector size
            }
            return sameModel(plan.withTarget(live, plan.fullSync()), start);
        }
    }

    /** {@code reindex --rollback}: the previous version goes live again, under the table's lock. */
    public static int rollback(JobConfig config, PrintStream out) throws Exception {
        VectorStore store = Settings.storeForReading(config);
        StoreLock lock;
        try {
            lock = store.lock(config.get(JobOptions.REINDEX_LOCK_LEASE));
        } catch (StoreLock.HeldException e) {
            System.err.println("error: " + e.getMessage());
            return EXIT_ALREADY_RUNNING;
        }
        try (lock;
                StoreSession s = store.open()) {
            StoreVersion v = s.rollback();
            out.printf("Switched %s back to version %d (%s)%n", store.name(), v.version(), v.model());
            out.println(new ObjectMapper()
                    .createObjectNode()
                    .put("command", "reindex")
                    .put("status", "rolled-back")
                    .put("table", store.name())
                    .put("version", v.version())
                    .put("model", v.model())
                    .put("switched", true));
            return 0;
        }
    }

    private StoreLock lockOrFail(ReindexJob.Plan plan) {
        return plan.store().lock(plan.lockLeaseMillis());
    }

    private int sameModel(ReindexJob.Plan plan, long start) throws Exception {
        if (dryRun || plan.fullSync()) {
            Map<String, Object> planned = planPass(plan);
            Integer stop = stopAfterPlan(plan, planned, start);
            if (stop != null) {
                return stop;
            }
            long deleted = ProgressPrinter.count(planned, ReindexCounters.DELETED);
            if (ProgressPrinter.count(planned, ReindexCounters.CHUNKS_TO_EMBED) == 0
                    && deleted == 0
                    && ProgressPrinter.count(planned, ReindexCounters.LINEAGE_UPDATES) == 0
                    && ProgressPrinter.count(planned, ReindexCounters.HASH_UPDATES) == 0) {
                out.println(ReindexSummary.line("ok", plan, false, planned, seconds(start), null));
                return 0; // nothing to write: no second pass
            }
        }
        Map<String, Object> written = execute(plan, false);
        out.println(ReindexSummary.line("ok", plan, false, written, seconds(start), null));
        return 0;
    }

    /**
     * A model change: the new version holds exactly the input, so the documents of the live version that the input
     * lacks are checked against the delete limit first (the plan pass against the live version, which also says how
     * much there is to embed). Readers see the live version until the switch.
     */
    private int newVersion(StoreSession s, ReindexJob.Plan plan, ModelIdentity model, Lineage indexed, long start)
            throws Exception {
        out.printf(
                "Model change: %s holds vectors of %s (fingerprint %s); this run's model %s (fingerprint %s) "
                        + "gets a new version of the table, built beside the live one%n",
                plan.store().name(),
                indexed.model(),
                abbreviate(indexed.fingerprint()),
                model.model(),
                abbreviate(model.fingerprint()));
        Map<String, Object> planned = planPass(plan);
        Integer stop = stopAfterPlan(plan, planned, start);
        if (stop != null) {
            return stop;
        }
        checkLease(plan);
        StoreVersion v =
                s.startBuilding(model.model(), model.fingerprint(), plan.store().dimensions());
        VectorStore version = s.version(v);
        out.printf("Building version %d in %s%n", v.version(), version.name());
        ReindexJob.Plan build = plan.withTarget(version, false);
        Map<String, Object> written = execute(build, false);
        checkLease(plan);
        s.finishBuilding(v);
        if (plan.gate() != null && !passesGate(version, plan, v)) {
            out.println(ReindexSummary.line("gate-refused", build, false, written, seconds(start), null));
            return EXIT_GATE_REFUSED;
        }
        checkLease(plan);
        s.switchTo(v);
        out.printf(
                "Switched %s to version %d (%s); the previous version stays for `reindex --rollback`%n",
                plan.store().name(), v.version(), model.model());
        out.println(ReindexSummary.line("ok", build, false, written, seconds(start), v.version()));
        return 0;
    }

    /** The new version, searched as readers will search it, must reach the gate's nDCG@10 before it goes live. */
    private boolean passesGate(VectorStore version, ReindexJob.Plan plan, StoreVersion v) {
        EvaluationGate gate = plan.gate();
        TableEvaluation.Result r;
        try (StoreSession s = version.open();
                InProcessEmbeddingModel m = InProcessEmbeddingModel.open(
                        ModelFolderCache.localize(plan.embedding().model()))) {
            r = TableEvaluation.evaluate(s, m, gate.queries(), gate.qrels());
        }
        out.println("Evaluation of version " + v.version() + " on " + gate.queriesFile() + ": " + r.toJson());
        if (r.ndcg10() >= gate.minNdcg10()) {
            return true;
        }
        err.printf(
                "error: version %d scores nDCG@10 %.4f on %s, below reindex.min-ndcg10 = %s: not switched, readers "
                        + "keep the live version. Version %d stays as 'building' (see `flink-embed versions`); a rerun "
                        + "with the same model evaluates it again without re-embedding%n",
                v.version(), r.ndcg10(), gate.queriesFile(), gate.minNdcg10(), v.version());
        return false;
    }

    /** After the plan pass: the exit code when the run ends there (a dry run, too many deletes), else null. */
    private Integer stopAfterPlan(ReindexJob.Plan plan, Map<String, Object> planned, long start) {
        if (dryRun) {
            out.println(ReindexSummary.line("dry-run", plan, true, planned, seconds(start), null));
            return 0;
        }
        if (tooManyDeletes(plan, planned)) {
            out.println(ReindexSummary.line("refused", plan, false, planned, seconds(start), null));
            return EXIT_TOO_MANY_DELETES;
        }
        return null;
    }

    private boolean tooManyDeletes(ReindexJob.Plan plan, Map<String, Object> planned) {
        long deleted = ProgressPrinter.count(planned, ReindexCounters.DELETED);
        long indexed = ProgressPrinter.count(planned, ReindexCounters.INDEXED);
        if (force || deleted <= plan.maxDeleteFraction() * indexed) {
            return false;
        }
        err.printf(
                "error: full-sync would delete %d of the %d indexed documents (%.1f%%), more than "
                        + "reindex.max-delete-fraction = %s: nothing was written. Check --input (a missing or partial "
                        + "corpus?), raise --max-delete-fraction, or pass --force%n",
                deleted, indexed, 100.0 * deleted / Math.max(1, indexed), plan.maxDeleteFraction());
        return true;
    }

    private Map<String, Object> planPass(ReindexJob.Plan plan) throws Exception {
        Map<String, Object> planned = execute(plan, true);
        out.printf(
                "Plan: %d documents in the input, %d in the index: %d unchanged, %d changed, %d new, %d to "
                        + "delete; %d chunks to embed, %d to update in place; %d documents known unchanged by "
                        + "their hash (not chunked)%n",
                ProgressPrinter.count(planned, ReindexCounters.SCANNED),
                ProgressPrinter.count(planned, ReindexCounters.INDEXED),
                ProgressPrinter.count(planned, ReindexCounters.UNCHANGED),
                ProgressPrinter.count(planned, ReindexCounters.CHANGED),
                ProgressPrinter.count(planned, ReindexCounters.NEW),
                ProgressPrinter.count(planned, ReindexCounters.DELETED),
                ProgressPrinter.count(planned, ReindexCounters.CHUNKS_TO_EMBED),
                ProgressPrinter.count(planned, ReindexCounters.LINEAGE_UPDATES),
                ProgressPrinter.count(planned, ReindexCounters.NOT_CHUNKED));
        return planned;
    }

    private Map<String, Object> execute(ReindexJob.Plan plan, boolean planPass) throws Exception {
        StreamExecutionEnvironment env = environments.get();
        ReindexJob.build(env, plan, planPass);
        String name = (config.isSet(JobOptions.JOB_NAME) ? config.get(JobOptions.JOB_NAME) : "flink-embed reindex")
                + (planPass ? " (plan)" : "");
        checkLease(plan);
        JobClient client = env.executeAsync(name);
        running = client;
        if (lock != null && lock.lost()) {
            client.cancel(); // lost between the check and the submission
        }
        out.printf(
                "Submitted %s (%s): %s ⋈ %s%n",
                name,
                client.getJobID(),
                plan.input().files().size() == 1
                        ? plan.input().files().get(0)
                        : plan.input().files().size() + " files",
                plan.target());
        long interval = planPass ? 0 : config.get(JobOptions.JOB_PROGRESS_INTERVAL);
        try (ProgressPrinter progress = new ProgressPrinter(client, plan.input().documents(), out, interval)) {
            JobExecutionResult result;
            try {
                result = client.getJobExecutionResult().get();
            } catch (ExecutionException e) {
                running = null;
                if (lock != null) {
                    lock.verify(); // the writers' fence may have seen the takeover before the renewal timer did
                }
                checkLease(plan); // stopped because the lock was lost: say that, not "job failed"
                throw e;
            } finally {
                running = null;
            }
            checkLease(plan);
            if (!planPass) {
                progress.printSummary(result);
            }
            return result.getAllAccumulatorResults();
        }
    }

    private static String abbreviate(String fingerprint) {
        return fingerprint == null || fingerprint.length() <= 12 ? fingerprint : fingerprint.substring(0, 12) + "…";
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
