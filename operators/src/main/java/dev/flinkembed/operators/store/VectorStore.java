package dev.flinkembed.operators.store;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.records.IndexedChunk;
import java.io.Serializable;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A place vectors live and are searched: one collection of chunk rows keyed by (doc_id, chunk_index) with their
 * lineage. The jobs speak only to this interface; each store (pgvector first) implements it and is found by
 * {@code sink.type} through {@link VectorStores}. An instance is a value (options only, no connection): it travels in
 * the job graph, and each method that needs the store connects itself.
 *
 * <p>What a store must keep: a chunk row replaces the one with the same key; a chunk with {@code chunkIndex} 0 of a
 * document replaces all of its rows (chunks beyond its new count go); a deletion marker removes the document; a
 * batch that cannot be written is isolated to its documents and those become dead letters.
 */
public interface VectorStore extends Serializable {

    /** Its {@code sink.type} name, e.g. {@code pgvector}. */
    String type();

    /** What readers query, for messages and summaries (e.g. {@code public.docs}); never holds a secret. */
    String name();

    /** The physical collection's own name, as {@link StoreVersion#physical()} gives a version's (default: name()). */
    default String physical() {
        return name();
    }

    /** The length of the vectors written. */
    int dimensions();

    /**
     * On the client, before any data moves: connects, creates the collection when missing (when allowed), checks it
     * when present. Any problem is a {@link dev.flinkembed.operators.config.ConfigException} naming the key.
     */
    void prepare();

    /**
     * Adds the writer after {@code chunks} (vectors, deletion markers, lineage-only updates) and returns what the store
     * refused, as dead letters. {@code uid} keeps savepoints restorable; {@code fence} (null: none) is the one handed
     * out by this store's {@link #lock}: the writers write only while the lock is the run's.
     */
    DataStream<DeadLetter> write(DataStream<EmbeddedChunk> chunks, String uid, WriteFence fence);

    /**
     * A bounded input of what the collection holds (lineage only: no text, no vectors), for reindex's diff: read in
     * {@code parts} disjoint parts side by side (one per slot), which together hold every row exactly once.
     */
    DataStream<IndexedChunk> readIndexed(StreamExecutionEnvironment env, int parts);

    /** Connects for the client-side operations (search, versions); a ConfigException when it cannot. */
    StoreSession open();

    /** Takes the collection's reindex lock (one run at a time), renewed until closed. */
    StoreLock lock(long leaseMillis);
}
