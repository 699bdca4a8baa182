package dev.flinkembed.runtime.scoring;

/** What a scoring model adds to its encoder: how pairs are tokenized and how a hidden state becomes a score. */
public record Scorer(PairTemplate template, ScoreHead head) {}
