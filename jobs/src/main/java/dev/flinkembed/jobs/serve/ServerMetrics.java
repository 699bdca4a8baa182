package dev.flinkembed.jobs.serve;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;

/** The server's counters in Prometheus' text format ({@code GET /metrics}). */
final class ServerMetrics {

    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final AtomicLong inputs = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicLongArray buckets = new AtomicLongArray(BUCKETS.length);
    private final AtomicLong durationCount = new AtomicLong();
    private final AtomicLong durationMicros = new AtomicLong();
    private final IntSupplier queued;

    ServerMetrics(IntSupplier queued) {
        this.queued = queued;
    }

    void request(String endpoint, int status) {
        requests.computeIfAbsent(endpoint + "\"," + "status=\"" + status, k -> new AtomicLong()).incrementAndGet();
    }

    void embedded(int inputCount, long tokenCount, long nanos) {
        inputs.addAndGet(inputCount);
        tokens.addAndGet(tokenCount);
        double seconds = nanos / 1e9;
        for (int i = 0; i < BUCKETS.length; i++) {
            if (seconds <= BUCKETS[i]) {
                buckets.incrementAndGet(i);
            }
        }
        durationCount.incrementAndGet();
        durationMicros.addAndGet(nanos / 1000);
    }

    String render() {
        StringBuilder s = new StringBuilder();
        s.append("# HELP flink_embed_requests_total HTTP requests by endpoint and status.\n");
        s.append("# TYPE flink_embed_requests_total counter\n");
        requests.forEach((k, v) -> s.append("flink_embed_requests_total{endpoint=\"").append(k).append("\"} ")
                .append(v.get()).append('\n'));
        s.append("# HELP flink_embed_inputs_total Texts embedded.\n# TYPE flink_embed_inputs_total counter\n");
        s.append("flink_embed_inputs_total ").append(inputs.get()).append('\n');
        s.append("# HELP flink_embed_prompt_tokens_total Tokens embedded.\n");
        s.append("# TYPE flink_embed_prompt_tokens_total counter\n");
        s.append("flink_embed_prompt_tokens_total ").append(tokens.get()).append('\n');
        s.append("# HELP flink_embed_queued_inputs Inputs admitted and not yet answered.\n");
        s.append("# TYPE flink_embed_queued_inputs gauge\n");
        s.append("flink_embed_queued_inputs ").append(queued.getAsInt()).append('\n');
        s.append("# HELP flink_embed_request_duration_seconds Successful /v1/embeddings requests.\n");
        s.append("# TYPE flink_embed_request_duration_seconds histogram\n");
        for (int i = 0; i < BUCKETS.length; i++) {
            s.append("flink_embed_request_duration_seconds_bucket{le=\"").append(BUCKETS[i]).append("\"} ")
                    .append(buckets.get(i)).append('\n');
        }
        s.append("flink_embed_request_duration_seconds_bucket{le=\"+Inf\"} ").append(durationCount.get()).append('\n');
        s.append("flink_embed_request_duration_seconds_sum ").append(durationMicros.get() / 1e6).append('\n');
        s.append("flink_embed_request_duration_seconds_count ").append(durationCount.get()).append('\n');
        return s.toString();
    }
}
