package dev.flinkembed.jobs.reindex;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    private ReindexSummary() {
    }

    /** {@code version}: the table version that went live in this run (a model change), else null. */
    static String line(String status, ReindexJob.Plan plan, boolean dryRun, Map<String, Object> counts, double seconds,
                       Integer version) {
        ObjectNode n = JSON.createObjectNode();
        n.put("command", "reindex");
        n.put("status", status);
        n.put("table", plan.pgvector().schema() + "." + plan.pgvector().table());
        n.put("mode", plan.fullSync() ? "full-sync" : "incremental");
        n.put("dry_run", dryRun);
        n.put("scanned", value(counts, ReindexCounters.SCANNED));
        n.put("indexed", value(counts, ReindexCounters.INDEXED));
        n.put("unchanged", value(counts, ReindexCounters.UNCHANGED));
        n.put("changed", value(counts, ReindexCounters.CHANGED));
        n.put("new", value(counts, ReindexCounters.NEW));
        n.put("deleted", value(counts, ReindexCounters.DELETED));
        n.put("absent_kept", value(counts, ReindexCounters.ABSENT_KEPT));
        n.put("rejected", value(counts, RouteParsedRecords.RECORDS_REJECTED));
        n.put("chunks_to_embed", value(counts, ReindexCounters.CHUNKS_TO_EMBED));
        n.put("chunks_embedded", value(counts, ProgressPrinter.CHUNKS_EMBEDDED));
        n.put("chunks_unchanged", value(counts, ReindexCounters.CHUNKS_UNCHANGED));
        n.put("lineage_updated", value(counts, ReindexCounters.LINEAGE_UPDATES));
        n.put("tokens", value(counts, SumTokens.TOKENS_EMBEDDED));
        n.put("seconds", Math.round(seconds * 10) / 10.0);
        n.put("switched", version != null);
        if (version != null) {
            n.put("version", version);
        }
        return n.toString();
    }

    static long value(Map<String, Object> counts, String name) {
        Object v = counts.get(name);
        return v instanceof Number x ? x.longValue() : 0;
    }
}
