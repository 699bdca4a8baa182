package dev.flinkembed.operators.store;

import java.io.Serializable;

/** What a store's writers check before each write so that a run which lost its {@link StoreLock} writes nothing. */
public interface WriteFence extends Serializable {}
