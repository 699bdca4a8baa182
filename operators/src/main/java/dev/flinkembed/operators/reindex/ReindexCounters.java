package dev.flinkembed.operators.reindex;

/** Accumulator names of the reindex job: what the client prints in its summary and checks before deleting. */
public final class ReindexCounters {

    /** Documents in the input (distinct ids). */
    public static final String SCANNED = "reindex-documents-scanned";
    /** Distinct documents the index held before the run. */
    public static final String INDEXED = "reindex-documents-indexed";

    public static final String UNCHANGED = "reindex-documents-unchanged";
    public static final String CHANGED = "reindex-documents-changed";
    public static final String NEW = "reindex-documents-new";
    public static final String DELETED = "reindex-documents-deleted";
    /** In the index, not in the input, kept (incremental mode). */
    public static final String ABSENT_KEPT = "reindex-documents-absent-kept";

    public static final String CHUNKS_TO_EMBED = "reindex-chunks-to-embed";
    public static final String CHUNKS_UNCHANGED = "reindex-chunks-unchanged";
    public static final String LINEAGE_UPDATES = "reindex-chunks-lineage-updated";
    /** Rows whose vector and position stay, given the document hash they lacked (see ReindexDecision). */
    public static final String HASH_UPDATES = "reindex-chunks-hash-recorded";
    /** Unchanged documents known so by their rows' document hash: not chunked (the tokenizer not run). */
    public static final String NOT_CHUNKED = "reindex-documents-not-chunked";

    private ReindexCounters() {}
}
