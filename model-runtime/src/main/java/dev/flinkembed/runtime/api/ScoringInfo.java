package dev.flinkembed.runtime.api;

/** What a scoring model is: its name, architecture, limit (special and template tokens included) and fingerprint. */
public record ScoringInfo(String name, String architecture, int maxTokens, String fingerprint, String precision) {}
