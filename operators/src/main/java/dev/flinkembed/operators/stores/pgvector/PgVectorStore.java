package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.records.IndexedChunk;
import dev.flinkembed.operators.store.StoreLock;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.WriteFence;
import java.sql.SQLException;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** PostgreSQL/pgvector as a {@link VectorStore}: one table of chunk rows (see {@link PgVectorWriter}). */
public record PgVectorStore(PgVectorOptions options) implements VectorStore {

    /** Rows per round trip when scanning the table for reindex. */
    static final int INDEX_FETCH_SIZE = 10_000;

    @Override
    public String type() {
        return PgVectorStoreFactory.TYPE;
    }

    @Override
    public String name() {
        return options.schema() + "." + options.table();
    }

    @Override
    public String physical() {
        return options.table();
    }

    @Override
    public int dimensions() {
        return options.dimensions();
    }

    @Override
    public void prepare() {
        try {
            PgVectorSink.prepareTable(options);
        } catch (IllegalStateException e) {
            boolean database = e.getCause() instanceof SQLException;
            throw new ConfigException(
                    "configuration key '" + (database ? "pgvector.url" : "pgvector.table") + "': " + e.getMessage());
        }
    }

    @Override
    public DataStream<DeadLetter> write(DataStream<EmbeddedChunk> chunks, String uid, WriteFence fence) {
        // as many writers as the stage before: each document's changes stay on one writer, in order
        return PgVectorSink.write(chunks, options, uid, (LockFence) fence).setParallelism(chunks.getParallelism());
    }

    /** One sequential scan through a server-side cursor (parallelism 1), so a table of any size streams through. */
    @Override
    public DataStream<IndexedChunk> readIndexed(StreamExecutionEnvironment env, int parts) {
        // one element per part: part k is the k-th range of doc ids, cut here (as the job is built) at sampled
        // quantiles
        List<String> bounds;
        try {
            bounds = IndexedChunksReader.boundaries(options, parts);
        } catch (SQLException e) {
            throw unusable(e);
        }
        return env.fromSequence(0, parts - 1)
                .setParallelism(parts)
                .name("index scan")
                .flatMap(new IndexedChunksReader(options, INDEX_FETCH_SIZE, bounds))
                .setParallelism(parts)
                .name("read index " + options.table());
    }

    @Override
    public StoreSession open() {
        try {
            return new PgVectorSession(this, options.connect());
        } catch (SQLException e) {
            throw unusable(e);
        }
    }

    @Override
    public StoreLock lock(long leaseMillis) {
        try {
            return PgVectorLock.acquire(options, leaseMillis);
        } catch (SQLException e) {
            throw unusable(e);
        }
    }

    ConfigException unusable(SQLException e) {
        return new ConfigException("configuration key 'pgvector.url': cannot use PostgreSQL at " + options.safeUrl()
                + ": " + e.getMessage());
    }

    @Override
    public String toString() {
        return options.toString();
    }
}
