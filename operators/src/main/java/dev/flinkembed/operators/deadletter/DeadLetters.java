package dev.flinkembed.operators.deadletter;

import dev.flinkembed.operators.records.DeadLetter;
import org.apache.flink.util.OutputTag;

/** The side output that carries dead letters from every operator that can reject a record. */
public final class DeadLetters {

    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {};

    private DeadLetters() {}
}
