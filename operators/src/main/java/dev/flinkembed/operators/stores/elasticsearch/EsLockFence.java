package dev.flinkembed.operators.stores.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.operators.store.WriteFence;
import java.io.IOException;
import java.util.Optional;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * A writer that writes only while its run holds the lease document ({@code reindex}'s): each flush first reads the
 * document in real time and goes on only when it still names this run. Elasticsearch cannot make that read and the
 * bulk request one unit (pgvector can), so a takeover that lands while one flush is in flight lets that flush
 * finish; every flush after it fails the job without restarts.
 *
 * @param lockIndex the index of lease documents
 * @param name      the lease document's id
 * @param owner     this run's id in it
 */
public record EsLockFence(String lockIndex, String name, String owner) implements WriteFence {

    void check(EsClient c) throws IOException {
        Optional<JsonNode> doc = c.callOrMissing("GET", "/" + lockIndex + "/_doc/" + EsLock.urlId(name), null);
        String holder =
                doc.map(d -> d.path("_source").path("owner").asText(null)).orElse(null);
        if (!owner.equals(holder)) {
            throw new SuppressRestartsException(new IllegalStateException("this run lost the lock '" + name + "' ("
                    + (holder == null ? "released" : "now held by another run") + "): it writes nothing more"));
        }
    }
}
