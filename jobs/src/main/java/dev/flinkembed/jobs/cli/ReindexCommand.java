package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.reindex.ReindexRun;
import dev.flinkembed.operators.config.ConfigException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "reindex",
        mixinStandardHelpOptions = true,
        description = {
            "Bring a pgvector table in line with a corpus (Parquet or JSON Lines) as a bounded Flink job: "
                    + "only chunks whose content or model changed are embedded; with --mode full-sync, documents no longer "
                    + "in the corpus are deleted. Prints one JSON summary line last.",
            "Exit codes: 0 done (or dry run), 1 the job failed, 2 configuration error, 3 full-sync would delete "
                    + "more than --max-delete-fraction (nothing written), 4 another reindex of the table is running, "
                    + "5 a model change's new version scored below --min-ndcg10 (not switched)."
        })
final class ReindexCommand implements Callable<Integer> {

    @Mixin
    JobCommandOptions job = new JobCommandOptions();

    @Mixin
    StoreFlags store = new StoreFlags();

    @Option(names = "--input", description = "Input file or directory (source.path).")
    String input;

    @Option(
            names = "--on-unreadable-file",
            description =
                    "fail (default: stop before any data moves, naming the "
                            + "file) or skip (process the rest; one dead letter per file left out) (source.on-unreadable-file).")
    String onUnreadableFile;

    @Option(names = "--mode", description = "incremental (default) or full-sync (reindex.mode).")
    String mode;

    @Option(
            names = "--max-delete-fraction",
            description = "full-sync refuses to delete more than this share of the "
                    + "indexed documents (reindex.max-delete-fraction, default 0.1).")
    String maxDeleteFraction;

    @Option(names = "--force", description = "Delete even beyond --max-delete-fraction.")
    boolean force;

    @Option(names = "--dry-run", description = "Decide and count, print the summary, write nothing.")
    boolean dryRun;

    @Option(
            names = "--eval-queries",
            description = "Model change: BEIR queries to evaluate the new version with "
                    + "before the switch (reindex.eval-queries).")
    String evalQueries;

    @Option(names = "--eval-qrels", description = "Model change: BEIR qrels for --eval-queries (reindex.eval-qrels).")
    String evalQrels;

    @Option(
            names = "--min-ndcg10",
            description =
                    "Model change: switch only if nDCG@10 reaches this " + "(reindex.min-ndcg10); otherwise exit 5.")
    String minNdcg10;

    @Option(
            names = "--rollback",
            description = "Switch the table back to its previous version (after a model change); "
                    + "needs only --pg-url and --table.")
    boolean rollback;

    @Option(names = "--output", description = "Where dead letters go (sink.path; default flink-embed-out).")
    String output;

    @Override
    public Integer call() throws Exception {
        JobConfig c = store.apply(job.load())
                .with(JobOptions.SOURCE_PATH, input)
                .with(JobOptions.SOURCE_ON_UNREADABLE_FILE, onUnreadableFile)
                .with(JobOptions.REINDEX_MODE, mode)
                .with(JobOptions.REINDEX_MAX_DELETE_FRACTION, maxDeleteFraction)
                .with(JobOptions.SINK_PATH, output)
                .with(JobOptions.REINDEX_EVAL_QUERIES, evalQueries)
                .with(JobOptions.REINDEX_EVAL_QRELS, evalQrels)
                .with(JobOptions.REINDEX_MIN_NDCG10, minNdcg10);
        if (rollback) {
            return ReindexRun.rollback(c, System.out);
        }
        int slots = c.get(JobOptions.JOB_PARALLELISM);
        if (Environments.detached(Environments.local(slots))) {
            throw new ConfigException("reindex cannot run detached (flink run -d): its client plans the run, holds "
                    + "the table's lock and prints the summary; run it attached");
        }
        return new ReindexRun(c, dryRun, force, () -> Environments.local(slots), System.out, System.err).call();
    }
}
