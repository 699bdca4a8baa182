package dev.flinkembed.serve;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/** The server's counters, exposed in Prometheus' text format ({@code GET /metrics}) by the Prometheus Java client. */
final class ServerMetrics {

    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests = Counter.builder()
            .name("flink_embed_requests")
            .help("HTTP requests by endpoint and status.")
            .labelNames("endpoint", "status")
            .register(registry);
    private final Counter inputs =
            Counter.builder().name("flink_embed_inputs").help("Texts embedded.").register(registry);
    private final Counter tokens = Counter.builder()
            .name("flink_embed_prompt_tokens")
            .help("Tokens embedded.")
            .register(registry);
    private final Histogram duration = Histogram.builder()
            .name("flink_embed_request_duration_seconds")
            .help("Successful /v1/embeddings requests.")
            .classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);

    private final Counter documents = Counter.builder()
            .name("flink_embed_reranked_documents")
            .help("Documents scored by the reranker.")
            .register(registry);
    private final Histogram rerankDuration = Histogram.builder()
            .name("flink_embed_rerank_duration_seconds")
            .help("Successful /v1/rerank and /rerank requests.")
            .classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);

    ServerMetrics(IntSupplier queued) {
        // The process and the JVM as every Prometheus Java client shows them: process_resident_memory_bytes,
        // jvm_memory_used_bytes, GC, threads.
        JvmMetrics.builder().register(registry);
        GaugeWithCallback.builder()
                .name("flink_embed_queued_inputs")
                .help("Inputs admitted and not yet answered.")
                .callback(cb -> cb.call(queued.getAsInt()))
                .register(registry);
    }

    void request(String endpoint, int status) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
    }

    void embedded(int inputCount, long tokenCount, long nanos) {
        inputs.inc(inputCount);
        tokens.inc(tokenCount);
        duration.observe(nanos / 1e9);
    }

    void scored(int documentCount, long nanos) {
        documents.inc(documentCount);
        rerankDuration.observe(nanos / 1e9);
    }

    String render() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
