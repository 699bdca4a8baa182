package dev.flinkembed.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where a finished job spent its time, from Flink's own task metrics as the REST API reports them per vertex
 * ({@code /jobs/:id}: accumulated busy, backpressured and idle milliseconds, summed over the vertex's subtasks): the
 * share of the vertex's slot time in each. The bottleneck is the stage busiest while its upstream is backpressured —
 * here simply the vertex with the highest busy share (sources report busy time as NaN and are named by their
 * backpressure instead: a source backpressured most of the time is not the bottleneck).
 */
/** @param tokens the job's tokens-embedded accumulator (0 when it has none) */
record StageTimes(List<Stage> stages, long tokens) {

    /** @param busyMillis Flink's busy time summed over the subtasks (0 where Flink reports none) */
    record Stage(
            String name,
            int parallelism,
            long millis,
            double busy,
            double backpressured,
            double idle,
            long recordsIn,
            long recordsOut,
            long busyMillis) {

        String describe() {
            return String.format(
                    "%s (p%d, %.1f s): busy %s, backpressured %.0f%%, idle %.0f%%, records in %d out %d",
                    name,
                    parallelism,
                    millis / 1000.0,
                    Double.isNaN(busy) ? "n/a" : String.format("%.0f%%", busy * 100),
                    backpressured * 100,
                    idle * 100,
                    recordsIn,
                    recordsOut);
        }
    }

    /** From {@code /jobs/:id} and {@code /jobs/:id/accumulators}. */
    static StageTimes of(JsonNode job, JsonNode accumulators) {
        long tokens = 0;
        for (JsonNode a : accumulators == null ? List.<JsonNode>of() : accumulators.path("user-task-accumulators")) {
            if (a.path("name").asText().equals("tokens-embedded")) {
                try {
                    tokens += Long.parseLong(a.path("value").asText().trim());
                } catch (NumberFormatException e) {
                    // not a count: left out
                }
            }
        }
        return new StageTimes(of(job).stages(), tokens);
    }

    static StageTimes of(JsonNode job) {
        List<Stage> out = new ArrayList<>();
        for (JsonNode v : job.path("vertices")) {
            int p = v.path("parallelism").asInt(1);
            long millis = Math.max(1, v.path("duration").asLong());
            JsonNode m = v.path("metrics");
            double slotMillis = (double) p * millis;
            out.add(new Stage(
                    v.path("name").asText(),
                    p,
                    millis,
                    share(m.path("accumulated-busy-time"), slotMillis),
                    share(m.path("accumulated-backpressured-time"), slotMillis),
                    share(m.path("accumulated-idle-time"), slotMillis),
                    m.path("read-records").asLong(),
                    m.path("write-records").asLong(),
                    m.path("accumulated-busy-time").isNumber()
                            ? m.path("accumulated-busy-time").asLong()
                            : 0));
        }
        return new StageTimes(out, 0);
    }

    private static double share(JsonNode value, double slotMillis) {
        if (value.isMissingNode() || value.isTextual() || Double.isNaN(value.asDouble())) {
            return Double.NaN;
        }
        return Math.min(1.0, value.asDouble() / slotMillis);
    }

    /** Busy time summed over every stage and subtask: the CPU-bound work the job did, in ms. */
    long busyMillis() {
        return stages.stream().mapToLong(Stage::busyMillis).sum();
    }

    /** The job's length: its longest stage. */
    long millis() {
        return stages.stream().mapToLong(Stage::millis).max().orElse(0);
    }

    /** The busiest stage by Flink's busy time: the one the others wait on. */
    String bottleneck() {
        return stages.stream()
                .filter(s -> !Double.isNaN(s.busy))
                .max(Comparator.comparingDouble(Stage::busy))
                .map(s -> String.format("%s (busy %.0f%%)", shortName(s.name), s.busy * 100))
                .orElse("n/a");
    }

    static String shortName(String vertex) {
        String n = vertex.replaceAll("\\s+", " ");
        return n.length() > 60 ? n.substring(0, 57) + "..." : n;
    }
}
