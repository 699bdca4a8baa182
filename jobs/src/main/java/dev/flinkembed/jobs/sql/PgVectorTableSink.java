package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.bulk.OutputFolders;
import dev.flinkembed.jobs.pipeline.DeadLetterOutput;
import dev.flinkembed.jobs.reindex.ModelIdentity;
import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.embedding.RouteEmbeddingFailures;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.VectorStore;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.sink.DataStreamSinkProvider;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;

/**
 * A vector table as a SQL sink: rows keyed by document to the store's writer (the jobs' writer: batched upserts,
 * trims, deletes, flushed before every checkpoint barrier, so a checkpoint completes only with everything before it in
 * the table — replayed after a failure, the idempotent writes reach the same rows). It takes the whole changelog
 * (inserts, updates with their old image, deletes; see {@link RowsToChunks}), so Flink adds no upsert materializer
 * keyed by chunk that would reorder a document's changes. Documents the table refuses and rows without a vector are
 * dead letters: JSON Lines under {@code sink.path}/dead-letter/, or, without {@code sink.path}, the job fails with the
 * reason.
 */
final class PgVectorTableSink implements DynamicTableSink {

    private final VectorStore store;
    private final SinkColumns columns;
    private final ModelIdentity lineage;
    private final String deadLetterPath;

    PgVectorTableSink(VectorStore store, SinkColumns columns, ModelIdentity lineage, String deadLetterPath) {
        this.store = store;
        this.columns = columns;
        this.lineage = lineage;
        this.deadLetterPath = deadLetterPath;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requested) {
        return ChangelogMode.all();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        if (deadLetterPath != null) {
            OutputFolders.create(new Path(deadLetterPath, "dead-letter"));
        }
        return new DataStreamSinkProvider() {
            @Override
            public DataStreamSink<?> consumeDataStream(ProviderContext provider, DataStream<RowData> rows) {
                return write(provider, rows);
            }
        };
    }

    private DataStreamSink<?> write(ProviderContext provider, DataStream<RowData> rows) {
        int parallelism = rows.getParallelism();
        SingleOutputStreamOperator<EmbeddedChunk> chunks = rows.flatMap(
                        new RowsToChunks(columns, lineage.model(), lineage.fingerprint()),
                        TypeInformation.of(EmbeddedChunk.class))
                .setParallelism(parallelism)
                .name("rows to chunks")
                .uid(provider.generateUid("rows-to-chunks").orElse("rows-to-chunks"))
                .process(new RouteEmbeddingFailures())
                .setParallelism(parallelism)
                .name("rows without a vector")
                .uid(provider.generateUid("route-no-vector").orElse("route-no-vector"));
        // A document's rows to one writer, in order: its old chunks' removal before its new chunks.
        DataStream<EmbeddedChunk> byDocument = chunks.keyBy(c -> c.docId);
        DataStream<DeadLetter> refused = store.write(
                        byDocument, provider.generateUid("vector-store-writer").orElse("vector-store-writer"), null)
                .union(chunks.getSideOutput(DeadLetters.TAG));
        if (deadLetterPath != null) {
            return DeadLetterOutput.toFiles(refused, new Path(deadLetterPath, "dead-letter"));
        }
        return refused.map(new FailOnDeadLetter(store.name()))
                .name("fail on a refused document (no sink.path)")
                .sinkTo(new DiscardingSink<>());
    }

    /** Without a dead-letter path a refused document stops the job, with its reason (never a silent loss). */
    private record FailOnDeadLetter(String table) implements MapFunction<DeadLetter, DeadLetter> {
        @Override
        public DeadLetter map(DeadLetter letter) {
            throw new SuppressRestartsException(new IllegalStateException(table + " refused document '"
                    + letter.docId + "' (" + letter.kind + "): " + letter.reason + ". Set 'sink.path' on the table to "
                    + "keep such documents as dead letters instead of failing"));
        }
    }

    @Override
    public DynamicTableSink copy() {
        return new PgVectorTableSink(store, columns, lineage, deadLetterPath);
    }

    @Override
    public String asSummaryString() {
        return "flink-embed " + store.type() + " " + store.name();
    }
}
