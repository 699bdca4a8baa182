package dev.flinkembed.operators.reindex;

import dev.flinkembed.operators.chunking.Chunker;
import dev.flinkembed.operators.chunking.ChunkingFunction;
import dev.flinkembed.operators.chunking.ChunkingOptions;
import dev.flinkembed.operators.chunking.DocumentHash;
import dev.flinkembed.operators.chunking.ModelChunker;
import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.embedding.RemoteBackend;
import dev.flinkembed.operators.metrics.AtomicLongCounter;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.records.IndexedChunk;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The reindex job's join, keyed by document id: the corpus's documents on one input, the index's rows on the other.
 * Run in BATCH mode, Flink sorts both inputs by key and fires the end-of-key timer once a document's records from
 * both sides are in, so memory holds one document at a time however large the corpus and the index. At the end of
 * each key the document is chunked with the model's tokenizer (unless its rows' document hash shows it unchanged) and
 * {@link ReindexDecision} decides: chunks to embed go
 * to the main output; deletions and lineage-only updates, which need no model, to {@link #TABLE_WRITES}.
 */
public final class ChunkDiffFunction extends KeyedCoProcessFunction<String, Document, IndexedChunk, Chunk> {

    /** Writes that bypass the model: document deletions and lineage updates. */
    public static final OutputTag<EmbeddedChunk> TABLE_WRITES = new OutputTag<>("table-writes") {};

    private final EmbeddingOptions embedding;
    private final ChunkingOptions chunking;
    private final boolean deleteAbsent;
    private final boolean reuseVectors;
    private transient ValueState<Document> document;
    private transient ListState<IndexedChunk> rows;
    private transient ModelChunker modelChunker;
    private transient Chunker chunker;
    private transient String fingerprint;
    private transient Map<String, AtomicLongCounter> counters;

    public ChunkDiffFunction(EmbeddingOptions embedding, ChunkingOptions chunking, boolean deleteAbsent) {
        this(embedding, chunking, deleteAbsent, false);
    }

    /**
     * {@code reuseVectors}: the second input is an earlier Parquet output with its vectors (bulk --previous) and the
     * result a complete new snapshot: every chunk that need not be embedded again goes to {@link #TABLE_WRITES} as an
     * embedded chunk carrying the earlier vector; nothing is deleted (documents no longer in the input are simply not
     * in the new snapshot).
     */
    public ChunkDiffFunction(
            EmbeddingOptions embedding, ChunkingOptions chunking, boolean deleteAbsent, boolean reuseVectors) {
        this.embedding = embedding;
        this.chunking = chunking;
        this.deleteAbsent = deleteAbsent && !reuseVectors;
        this.reuseVectors = reuseVectors;
    }

    @Override
    public void open(OpenContext openContext) {
        document = getRuntimeContext().getState(new ValueStateDescriptor<>("document", Document.class));
        rows = getRuntimeContext().getListState(new ListStateDescriptor<>("indexed", IndexedChunk.class));
        // In-process: the tokenizer of the slot's shared model, whose fingerprint the embedding operator will write.
        modelChunker = ModelChunker.open(embedding, chunking);
        chunker = modelChunker.chunker();
        fingerprint = embedding.isRemote()
                ? RemoteBackend.fingerprint(embedding.remote(), embedding.model())
                : modelChunker.modelInfo().fingerprint();
        counters = new HashMap<>();
        for (String name : List.of(
                ReindexCounters.SCANNED,
                ReindexCounters.INDEXED,
                ReindexCounters.UNCHANGED,
                ReindexCounters.CHANGED,
                ReindexCounters.NEW,
                ReindexCounters.DELETED,
                ReindexCounters.ABSENT_KEPT,
                ReindexCounters.CHUNKS_TO_EMBED,
                ReindexCounters.CHUNKS_UNCHANGED,
                ReindexCounters.LINEAGE_UPDATES,
                ReindexCounters.HASH_UPDATES,
                ReindexCounters.NOT_CHUNKED)) {
            counters.put(name, AtomicLongCounter.register(getRuntimeContext(), name));
        }
    }

    @Override
    public void processElement1(Document doc, Context ctx, Collector<Chunk> out) throws Exception {
        document.update(doc); // a repeated id: the last one read wins, as a rerun of bulk would leave it
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void processElement2(IndexedChunk row, Context ctx, Collector<Chunk> out) throws Exception {
        rows.add(row);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Chunk> out) throws Exception {
        Document doc = document.value();
        List<IndexedChunk> indexed = new ArrayList<>();
        Iterable<IndexedChunk> stored = rows.get();
        if (stored != null) {
            stored.forEach(indexed::add);
        }
        document.clear();
        rows.clear();
        boolean present = doc != null && !Document.DELETE.equals(doc.op);
        DeadLetter tooLarge = present ? ChunkingFunction.tooLarge(doc, chunking) : null;
        if (tooLarge != null) { // the index keeps what it has of this document; the dead letter says why
            ctx.output(DeadLetters.TAG, tooLarge);
            return;
        }
        count(ReindexCounters.SCANNED, doc != null ? 1 : 0);
        count(ReindexCounters.INDEXED, indexed.isEmpty() ? 0 : 1);
        if (present && !reuseVectors && unchangedByHash(doc, indexed)) {
            count(ReindexCounters.UNCHANGED, 1);
            count(ReindexCounters.NOT_CHUNKED, 1);
            count(ReindexCounters.CHUNKS_UNCHANGED, indexed.size());
            return;
        }
        List<Chunk> chunks = present ? chunker.chunk(doc) : null;
        // A delete op in the input removes the document in either mode.
        ReindexDecision d = ReindexDecision.decide(chunks, indexed, fingerprint, deleteAbsent || doc != null);
        switch (d.kind()) {
            case UNCHANGED -> count(ReindexCounters.UNCHANGED, 1);
            case CHANGED -> count(ReindexCounters.CHANGED, 1);
            case NEW -> count(ReindexCounters.NEW, 1);
            case DELETED -> count(ReindexCounters.DELETED, 1);
            case ABSENT_KEPT -> count(ReindexCounters.ABSENT_KEPT, 1);
            case NOTHING -> {}
        }
        if (reuseVectors) {
            reuse(chunks, d, indexed, ctx);
        } else {
            if (d.deleteDocument()) {
                ctx.output(TABLE_WRITES, EmbeddedChunk.deletion(ctx.getCurrentKey(), System.currentTimeMillis()));
            }
            for (Chunk c : d.lineageUpdates()) {
                ctx.output(TABLE_WRITES, EmbeddedChunk.lineageUpdate(c));
            }
            for (Chunk c : d.hashUpdates()) {
                ctx.output(TABLE_WRITES, EmbeddedChunk.lineageUpdate(c));
            }
            count(ReindexCounters.HASH_UPDATES, d.hashUpdates().size());
        }
        for (Chunk c : d.toEmbed()) {
            out.collect(c);
        }
        count(ReindexCounters.CHUNKS_TO_EMBED, d.toEmbed().size());
        count(ReindexCounters.LINEAGE_UPDATES, d.lineageUpdates().size());
        if (chunks != null && d.kind() != ReindexDecision.Kind.NEW) {
            count(
                    ReindexCounters.CHUNKS_UNCHANGED,
                    chunks.size() - d.toEmbed().size() - d.lineageUpdates().size());
        }
    }

    /**
     * The rows say the document is as they were written (its hash, the model, the chunks' contents at their places):
     * nothing to do, and no need to tokenize it — the bulk of an unchanged reindex's time otherwise.
     */
    private boolean unchangedByHash(Document doc, List<IndexedChunk> indexed) {
        if (indexed.isEmpty() || indexed.get(0).documentHash == null) {
            return false;
        }
        return ReindexDecision.unchangedByHash(
                doc, chunker.titlePrefix(doc.title), DocumentHash.of(doc, chunking), indexed, fingerprint);
    }

    /** Every chunk the decision does not embed again: the earlier vector, with the chunk's lineage as it is now. */
    private static void reuse(List<Chunk> chunks, ReindexDecision d, List<IndexedChunk> indexed, OnTimerContext ctx) {
        if (chunks == null) {
            return;
        }
        Map<Integer, IndexedChunk> byIndex = new HashMap<>();
        indexed.forEach(r -> byIndex.put(r.chunkIndex, r));
        Set<Chunk> embed = Collections.newSetFromMap(new IdentityHashMap<>());
        embed.addAll(d.toEmbed());
        for (Chunk c : chunks) {
            if (!embed.contains(c)) {
                IndexedChunk r = byIndex.get(c.chunkIndex);
                ctx.output(
                        TABLE_WRITES,
                        EmbeddedChunk.of(c, r.embedding, r.tokenCount, r.model, r.modelFingerprint, r.embeddedAt));
            }
        }
    }

    private void count(String name, long n) {
        if (n != 0) {
            counters.get(name).add(n);
        }
    }

    @Override
    public void close() {
        if (modelChunker != null) {
            modelChunker.close();
        }
    }
}
