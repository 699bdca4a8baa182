package dev.flinkembed.operators.store;

import java.util.List;
import java.util.Optional;

/**
 * A client's connection to a store: search, and the versions of a collection (one per model: a new one is built
 * beside the live one and readers are switched to it at once; the previous one stays for a rollback).
 */
public interface StoreSession extends AutoCloseable {

    /** The model, fingerprint and dimensions of what readers see, from its rows; empty when there is no row. */
    Optional<Lineage> lineage();

    /** The model ({@code --model} value) recorded for the live version, when the collection was ever versioned. */
    Optional<String> liveModel();

    /** The nearest chunks by cosine similarity, best first. */
    List<SearchHit> nearest(float[] query, int k);

    /** The versions, oldest first; empty when the collection was never versioned. */
    List<StoreVersion> versions(boolean countRows);

    /** The model and fingerprint the collection holds now (live version, else any row); empty when none. */
    Optional<Lineage> currentModel();

    /** The physical collection readers see now (the collection itself when never versioned). */
    VectorStore live();

    /** Registers a new version being built for {@code model}, beside the live one. */
    StoreVersion startBuilding(String model, String fingerprint, int dimensions);

    /** The store to write (and evaluate) version {@code v} through. */
    VectorStore version(StoreVersion v);

    /** Readies a built version for readers (its index), without switching. */
    void finishBuilding(StoreVersion v);

    /** Readers see {@code v} from now on; the live one becomes the previous one. */
    void switchTo(StoreVersion v);

    /** The previous version goes live again; returns it. */
    StoreVersion rollback();

    @Override
    void close();
}
