package dev.flinkembed.jobs.sql;

import dev.flinkembed.operators.records.EmbeddedChunk;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * A vector table sink's changelog as the vector store's writes. An insert or the new image of an update is a chunk
 * row: it replaces the row with its key, and chunk rows of its document beyond its {@code chunk_count} go. A row with
 * {@code chunk_count} 0 (the chunk function's deletion row), a delete or the old image of an update removes the
 * document's rows: Flink SQL emits a document's old chunks before its new ones
 * (keyed by document, in order, up to the writer), so an update leaves exactly the new version and a delete none. A
 * chunk row without a vector comes out with {@code error} set, for the dead letters.
 */
final class RowsToChunks implements FlatMapFunction<RowData, EmbeddedChunk> {

    /** Dead-letter kind of a row that reached the sink without a vector (an ML_PREDICT error row not filtered out). */
    static final String NO_VECTOR = "no-vector";
    /** Dead-letter kind of a row without its key or chunk count. */
    static final String INCOMPLETE_ROW = "incomplete-row";

    private final SinkColumns columns;
    private final String model;
    private final String fingerprint;

    RowsToChunks(SinkColumns columns, String model, String fingerprint) {
        this.columns = columns;
        this.model = model;
        this.fingerprint = fingerprint;
    }

    @Override
    public void flatMap(RowData row, Collector<EmbeddedChunk> out) {
        String docId = string(row, columns.docId());
        long now = System.currentTimeMillis();
        boolean retraction = row.getRowKind() == RowKind.DELETE || row.getRowKind() == RowKind.UPDATE_BEFORE;
        boolean deletionRow = !row.isNullAt(columns.chunkCount()) && row.getInt(columns.chunkCount()) == 0;
        if (docId != null && (retraction || deletionRow)) {
            out.collect(EmbeddedChunk.deletion(docId, now));
            return;
        }
        if (docId == null || row.isNullAt(columns.chunkIndex()) || row.isNullAt(columns.chunkCount())) {
            // e.g. the chunk function's row for a refused document, not filtered out: never an upsert or a delete
            EmbeddedChunk incomplete = EmbeddedChunk.deletion(docId, now);
            incomplete.error = "the row has no doc_id, chunk_index or chunk_count: keep the chunk function's "
                    + "chunk_error rows (WHERE chunk_error IS NULL) away from the vector table";
            incomplete.errorKind = INCOMPLETE_ROW;
            out.collect(incomplete);
            return;
        }
        EmbeddedChunk e = new EmbeddedChunk();
        e.docId = docId;
        e.chunkIndex = row.getInt(columns.chunkIndex());
        e.chunkCount = row.getInt(columns.chunkCount());
        e.text = string(row, columns.text());
        e.contentHash = string(row, columns.contentHash());
        e.title = string(row, columns.title());
        e.metadata = map(row, columns.metadata());
        e.startChar = integer(row, columns.startChar(), 0);
        e.endChar = integer(row, columns.endChar(), e.text == null ? 0 : e.text.length());
        e.tokenCount = integer(row, columns.tokenCount(), 0);
        e.model = model;
        e.modelFingerprint = fingerprint;
        e.embeddedAt = now;
        if (row.isNullAt(columns.embedding())) {
            e.error = "the row has no vector (embedding is NULL): filter ML_PREDICT's error rows before the sink";
            e.errorKind = NO_VECTOR;
        } else {
            ArrayData v = row.getArray(columns.embedding());
            float[] vector = new float[v.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = v.getFloat(i);
            }
            e.embedding = vector;
        }
        out.collect(e);
    }

    private static String string(RowData row, int at) {
        return at < 0 || row.isNullAt(at) ? null : row.getString(at).toString();
    }

    private static int integer(RowData row, int at, int otherwise) {
        return at < 0 || row.isNullAt(at) ? otherwise : row.getInt(at);
    }

    private static Map<String, String> map(RowData row, int at) {
        if (at < 0 || row.isNullAt(at)) {
            return null;
        }
        MapData m = row.getMap(at);
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < m.size(); i++) {
            out.put(
                    m.keyArray().getString(i).toString(),
                    m.valueArray().isNullAt(i)
                            ? null
                            : m.valueArray().getString(i).toString());
        }
        return out;
    }
}
