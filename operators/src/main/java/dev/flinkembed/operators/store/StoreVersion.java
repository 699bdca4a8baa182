package dev.flinkembed.operators.store;

/**
 * One version of a collection (rows: its row count when listed with counts, else -1; state: live, previous or
 * building).
 */
public record StoreVersion(
        int version,
        String physical,
        String model,
        String fingerprint,
        int dimensions,
        String state,
        String createdAt,
        String switchedAt,
        long rows) {

    public static final String LIVE = "live";
    public static final String PREVIOUS = "previous";
    public static final String BUILDING = "building";
}
