package dev.flinkembed.operators.store;

/** The model a collection's vectors were made with: its name, lineage fingerprint and vector length (0: unknown). */
public record Lineage(String model, String fingerprint, int dimensions) {}
