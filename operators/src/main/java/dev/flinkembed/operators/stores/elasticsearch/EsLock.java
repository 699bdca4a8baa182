package dev.flinkembed.operators.stores.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.store.LeasedLock;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reindex run per index at a time: a lease document in {@value #INDEX}, created with {@code op_type=create}
 * (only one run can), renewed and released with {@code if_seq_no}/{@code if_primary_term} (only while nobody else
 * wrote it since). A run that died leaves its document behind; the next run takes it over once its lease has
 * expired, or at once when the holder ran on this host and its process is gone.
 */
final class EsLock extends LeasedLock {

    private static final Logger LOG = LoggerFactory.getLogger(EsLock.class);

    static final String INDEX = "flink-embed-locks";

    private final EsClient client;
    private final String name;
    private final String owner;
    private final ObjectNode document;
    private long seqNo;
    private long primaryTerm;

    private EsLock(EsClient client, String name, String owner, ObjectNode document, JsonNode written, long lease) {
        super(name, lease);
        this.client = client;
        this.name = name;
        this.owner = owner;
        this.document = document;
        remember(written);
    }

    private void remember(JsonNode written) {
        seqNo = written.path("_seq_no").asLong();
        primaryTerm = written.path("_primary_term").asLong();
    }

    static String urlId(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Takes the lock of {@code o}'s index or throws {@link HeldException} naming who holds it. */
    static EsLock acquire(EsOptions o, long leaseMillis) throws IOException {
        EsClient c = new EsClient(o);
        String name = "reindex " + o.index();
        String owner = UUID.randomUUID().toString();
        ObjectNode doc = EsClient.JSON
                .createObjectNode()
                .put("owner", owner)
                .put("host", LeasedLock.host())
                .put("pid", ProcessHandle.current().pid())
                .put("acquired_at", Instant.now().toString())
                .put("renewed_at_millis", System.currentTimeMillis());
        String path = "/" + INDEX + "/_doc/" + urlId(name);
        EsClient.Response created =
                c.send("PUT", path + "?op_type=create", EsClient.JSON.writeValueAsString(doc), "application/json");
        if (created.ok()) {
            return new EsLock(c, name, owner, doc, created.body(), leaseMillis).started();
        }
        if (created.status() != 409) {
            throw c.failure("PUT", path, created);
        }
        JsonNode held = c.callOrMissing("GET", path, null).orElse(null);
        if (held == null) {
            return acquire(o, leaseMillis); // released between the two requests: try again
        }
        JsonNode s = held.path("_source");
        long idle = System.currentTimeMillis() - s.path("renewed_at_millis").asLong();
        boolean expired = idle > leaseMillis;
        boolean deadHere =
                LeasedLock.deadHere(s.path("host").asText(""), s.path("pid").asLong());
        if (!expired && !deadHere) {
            throw new HeldException(String.format(
                    "index %s is being reindexed by another run (host %s, pid %d, since %s, renewed %.0f s ago); its "
                            + "lock expires %.0f s after its last renewal (reindex.lock-lease)",
                    o.index(),
                    s.path("host").asText(),
                    s.path("pid").asLong(),
                    s.path("acquired_at").asText(),
                    idle / 1000.0,
                    leaseMillis / 1000.0));
        }
        EsClient.Response taken = c.send(
                "PUT",
                path + "?if_seq_no=" + held.path("_seq_no").asLong() + "&if_primary_term="
                        + held.path("_primary_term").asLong(),
                EsClient.JSON.writeValueAsString(doc),
                "application/json");
        if (taken.status() == 409) {
            return acquire(o, leaseMillis); // someone else was quicker: judge their lease
        }
        if (!taken.ok()) {
            throw c.failure("PUT", path, taken);
        }
        LOG.warn(
                "Took over the reindex lock of {} left by a run that is gone (host {}, pid {}, renewed {} s ago)",
                o.index(),
                s.path("host").asText(),
                s.path("pid").asLong(),
                idle / 1000);
        return new EsLock(c, name, owner, doc, taken.body(), leaseMillis).started();
    }

    private String path() {
        return "/" + INDEX + "/_doc/" + urlId(name);
    }

    @Override
    protected synchronized boolean renewInStore() throws IOException {
        document.put("renewed_at_millis", System.currentTimeMillis());
        EsClient.Response r = client.send(
                "PUT",
                path() + "?if_seq_no=" + seqNo + "&if_primary_term=" + primaryTerm,
                EsClient.JSON.writeValueAsString(document),
                "application/json");
        if (r.status() == 409 || r.status() == 404) {
            return false;
        }
        if (!r.ok()) {
            throw client.failure("PUT", path(), r);
        }
        remember(r.body());
        return true;
    }

    @Override
    protected synchronized void releaseInStore() throws IOException {
        EsClient.Response r =
                client.send("DELETE", path() + "?if_seq_no=" + seqNo + "&if_primary_term=" + primaryTerm, null, null);
        if (!r.ok() && r.status() != 409 && r.status() != 404) {
            throw client.failure("DELETE", path(), r);
        }
    }

    @Override
    public EsLockFence fence() {
        return new EsLockFence(INDEX, name, owner);
    }
}
