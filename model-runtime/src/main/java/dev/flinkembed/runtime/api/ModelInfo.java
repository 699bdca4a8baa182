package dev.flinkembed.runtime.api;

/**
 * What a model produces, for lineage and file metadata. {@code fingerprint} changes whenever the vectors could change:
 * weights, pooling, prompt format, dimensions or normalisation.
 */
public record ModelInfo(
        String name,
        String architecture,
        int dimensions,
        String pooling,
        boolean normalized,
        int maxTokens,
        String fingerprint) {}
