package dev.flinkembed.runtime.api;

/** A vector and the number of model tokens (special tokens included) it was computed from. */
public record Embedding(float[] vector, int tokens) {}
