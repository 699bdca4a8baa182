package dev.flinkembed.operators.stores.elasticsearch;

import java.io.IOException;

/**
 * An answer of Elasticsearch other than 2xx: its status, error type and reason (with any preview of a document's
 * values cut off, so messages and logs never carry document content).
 */
public final class EsException extends IOException {

    private final int status;
    private final String type;

    EsException(String message, int status, String type) {
        super(message);
        this.status = status;
        this.type = type;
    }

    public int status() {
        return status;
    }

    /** Elasticsearch's error type, e.g. {@code version_conflict_engine_exception}; empty when none was given. */
    public String type() {
        return type;
    }

    /** Worth trying again: overloaded, unavailable, timed out, or a write block being lifted (an index adoption). */
    public boolean transientFailure() {
        return transientStatus(status, type);
    }

    static boolean transientStatus(int status, String type) {
        return status == 429
                || status == 502
                || status == 503
                || status == 504
                || "cluster_block_exception".equals(type)
                || "es_rejected_execution_exception".equals(type);
    }

    /** The reason without the document-value preview Elasticsearch appends to parsing errors. */
    static String safeReason(String reason) {
        if (reason == null) {
            return "";
        }
        int preview = reason.indexOf("Preview of");
        String cut = preview >= 0 ? reason.substring(0, preview).strip() : reason;
        return cut.length() > 300 ? cut.substring(0, 300) + "…" : cut;
    }
}
