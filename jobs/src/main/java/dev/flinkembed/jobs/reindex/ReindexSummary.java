package dev.flinkembed.jobs.reindex;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.pipeline.DeadLetterOutput;
import dev.flinkembed.jobs.progress.ProgressPrinter;
import dev.flinkembed.operators.metrics.SumTokens;
import dev.flinkembed.operators.reindex.ReindexCounters;
import dev.flinkembed.operators.sources.RouteParsedRecords;
import java.util.Map;

/**
 * The one JSON line a reindex run prints last on standard output, for schedulers to log and alert on. Document counts:
 * scanned (in the input), indexed (in the index before), unchanged, changed, new, deleted, absent_kept (incremental);
 * chunk counts: chunks_to_embed, chunks_embedded, chunks_unchanged, lineage_updated; tokens embedded; seconds.
 */
final class ReindexSummary {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReindexSummary() {}

    /** {@code version}: the table version that went live in this run (a model change), else null. */
    static String line(
            String status,
            ReindexJob.Plan plan,
            boolean dryRun,
            Map<String, Object> counts,
            double seconds,
            Integer version) {
        ObjectNode n = JSON.createObjectNode();
        n.put("command", "reindex");
        n.put("status", status);
        n.put("table", plan.store().name());
        n.put("mode", plan.fullSync() ? "full-sync" : "incremental");
        n.put("dry_run", dryRun);
        n.put("scanned", ProgressPrinter.count(counts, ReindexCounters.SCANNED));
        n.put("indexed", ProgressPrinter.count(counts, ReindexCounters.INDEXED));
        n.put("unchanged", ProgressPrinter.count(counts, ReindexCounters.UNCHANGED));
        n.put("changed", ProgressPrinter.count(counts, ReindexCounters.CHANGED));
        n.put("new", ProgressPrinter.count(counts, ReindexCounters.NEW));
        n.put("deleted", ProgressPrinter.count(counts, ReindexCounters.DELETED));
        n.put("absent_kept", ProgressPrinter.count(counts, ReindexCounters.ABSENT_KEPT));
        n.put("rejected", ProgressPrinter.count(counts, RouteParsedRecords.RECORDS_REJECTED));
        ObjectNode dead = n.putObject("dead_letters");
        DeadLetterOutput.counts(counts).forEach(dead::put);
        n.put("chunks_to_embed", ProgressPrinter.count(counts, ReindexCounters.CHUNKS_TO_EMBED));
        n.put("chunks_embedded", ProgressPrinter.count(counts, ProgressPrinter.CHUNKS_EMBEDDED));
        n.put("chunks_unchanged", ProgressPrinter.count(counts, ReindexCounters.CHUNKS_UNCHANGED));
        n.put("lineage_updated", ProgressPrinter.count(counts, ReindexCounters.LINEAGE_UPDATES));
        n.put("hash_recorded", ProgressPrinter.count(counts, ReindexCounters.HASH_UPDATES));
        n.put("not_chunked", ProgressPrinter.count(counts, ReindexCounters.NOT_CHUNKED));
        n.put("tokens", ProgressPrinter.count(counts, SumTokens.TOKENS_EMBEDDED));
        n.put("seconds", Math.round(seconds * 10) / 10.0);
        n.put("switched", version != null);
        if (version != null) {
            n.put("version", version);
        }
        return n.toString();
    }
}
