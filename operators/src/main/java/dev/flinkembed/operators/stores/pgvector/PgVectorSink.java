package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.BufferedWriteOperator;
import java.sql.Connection;
import java.sql.SQLException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Writes chunks to a PostgreSQL/pgvector table (see {@link PgVectorWriter} for the delivery guarantee and what
 * happens to documents the table refuses). The table is created or checked by {@link #prepareTable} on the client
 * before the job starts, and again by each writer when it opens.
 */
public final class PgVectorSink {

    private PgVectorSink() {}

    /** Connects, creates the table when missing, checks it; a message naming the problem otherwise. */
    public static void prepareTable(PgVectorOptions options) {
        try (Connection c = options.connect()) {
            PgVectorTable.prepare(c, options);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot use PostgreSQL at " + options.safeUrl() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds the writer after {@code chunks}; the stream it returns holds the documents the table refused, as dead
     * letters for the job's dead-letter output. {@code uid} keeps savepoints restorable across versions.
     */
    public static SingleOutputStreamOperator<DeadLetter> write(
            DataStream<EmbeddedChunk> chunks, PgVectorOptions options, String uid) {
        return write(chunks, options, uid, null);
    }

    /** The same, writing only while {@code fence}'s lock row names this run (null: no lock). */
    public static SingleOutputStreamOperator<DeadLetter> write(
            DataStream<EmbeddedChunk> chunks, PgVectorOptions options, String uid, LockFence fence) {
        return chunks.transform(
                        "write pgvector " + options.table(),
                        TypeInformation.of(DeadLetter.class),
                        new BufferedWriteOperator(new PgVectorWriters(options, fence), options.flushIntervalMillis()))
                .uid(uid);
    }
}
