package dev.flinkembed.operators.stores.elasticsearch;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.records.IndexedChunk;
import dev.flinkembed.operators.store.BufferedWriteOperator;
import dev.flinkembed.operators.store.StoreLock;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.WriteFence;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Elasticsearch as a {@link VectorStore}: one document per chunk in a dense_vector index (see {@link EsWriter}). */
public record ElasticsearchStore(EsOptions options) implements VectorStore {

    /** Chunks per page when scanning the index for reindex. */
    static final int INDEX_PAGE_SIZE = 5_000;

    @Override
    public String type() {
        return ElasticsearchStoreFactory.TYPE;
    }

    @Override
    public String name() {
        return options.index();
    }

    @Override
    public int dimensions() {
        return options.dimensions();
    }

    @Override
    public void prepare() {
        try {
            EsIndex.prepare(new EsClient(options), options);
        } catch (IOException e) {
            throw unusable(e);
        } catch (IllegalStateException e) {
            throw new ConfigException("configuration key 'elasticsearch.index': " + e.getMessage());
        }
    }

    @Override
    public DataStream<DeadLetter> write(DataStream<EmbeddedChunk> chunks, String uid, WriteFence fence) {
        // as many writers as the stage before: each document's changes stay on one writer, in order
        return chunks.transform(
                        "write elasticsearch " + options.index(),
                        TypeInformation.of(DeadLetter.class),
                        new BufferedWriteOperator(
                                new EsWriters(options, (EsLockFence) fence), options.flushIntervalMillis()))
                .uid(uid)
                .setParallelism(chunks.getParallelism());
    }

    /** One point-in-time scan (parallelism 1), paged with search_after, so an index of any size streams through. */
    @Override
    public DataStream<IndexedChunk> readIndexed(StreamExecutionEnvironment env, int parts) {
        // one element per part: part k of n is Elasticsearch's slice k of n of a point in time
        return env.fromSequence(0, parts - 1)
                .setParallelism(parts)
                .name("index scan")
                .flatMap(new EsIndexedChunksReader(options, INDEX_PAGE_SIZE, parts))
                .setParallelism(parts)
                .name("read index " + options.index());
    }

    @Override
    public StoreSession open() {
        try { // reachable, and the credentials are accepted (what else the index holds, the session says)
            EsClient c = new EsClient(options);
            EsClient.Response r = c.send("HEAD", "/" + options.index(), null, null);
            if (r.status() == 401) {
                throw c.failure("HEAD", "/" + options.index(), r);
            }
        } catch (IOException e) {
            throw unusable(e);
        }
        return new EsSession(this);
    }

    @Override
    public StoreLock lock(long leaseMillis) {
        try {
            return EsLock.acquire(options, leaseMillis);
        } catch (IOException e) {
            throw unusable(e);
        }
    }

    ConfigException unusable(IOException e) {
        return new ConfigException("configuration key 'elasticsearch.url': cannot use " + e.getMessage());
    }

    @Override
    public String toString() {
        return options.toString();
    }
}
