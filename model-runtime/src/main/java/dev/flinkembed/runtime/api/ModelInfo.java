package dev.flinkembed.runtime.api;

/**
 * What a model produces, for lineage and file metadata. {@code fingerprint} changes whenever the vectors could change:
 * weights, pooling, prompt format, dimensions, normalisation or precision ({@code fp32}, {@code fp16}, {@code int8}:
 * what the linear layers compute in).
 */
public record ModelInfo(
        String name,
        String architecture,
        int dimensions,
        String pooling,
        boolean normalized,
        int maxTokens,
        String fingerprint,
        String precision) {}
