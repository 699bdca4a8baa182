package dev.flinkembed.jobs.sql;

import dev.flinkembed.operators.config.ConfigException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The columns of a vector table sink: the pgvector table's own names, so {@code search}, {@code reindex} and
 * {@code versions} read what SQL wrote. Required: {@code doc_id}, {@code chunk_index}, {@code chunk_count},
 * {@code text}, {@code content_hash}, {@code embedding}; optional: {@code title}, {@code metadata},
 * {@code start_char}, {@code end_char}, {@code token_count}. The lineage ({@code model}, {@code model_fingerprint},
 * {@code embedded_at}) is the sink's to write. Each column's position in the sink's rows, -1 when absent.
 */
record SinkColumns(
        int docId,
        int chunkIndex,
        int chunkCount,
        int text,
        int contentHash,
        int embedding,
        int title,
        int metadata,
        int startChar,
        int endChar,
        int tokenCount)
        implements Serializable {

    private enum Kind {
        TEXT,
        INT,
        VECTOR,
        MAP
    }

    private static final Map<String, Kind> REQUIRED = new LinkedHashMap<>();
    private static final Map<String, Kind> OPTIONAL = new LinkedHashMap<>();

    static {
        REQUIRED.put("doc_id", Kind.TEXT);
        REQUIRED.put("chunk_index", Kind.INT);
        REQUIRED.put("chunk_count", Kind.INT);
        REQUIRED.put("text", Kind.TEXT);
        REQUIRED.put("content_hash", Kind.TEXT);
        REQUIRED.put("embedding", Kind.VECTOR);
        OPTIONAL.put("title", Kind.TEXT);
        OPTIONAL.put("metadata", Kind.MAP);
        OPTIONAL.put("start_char", Kind.INT);
        OPTIONAL.put("end_char", Kind.INT);
        OPTIONAL.put("token_count", Kind.INT);
    }

    static final String ACCEPTED = "doc_id STRING, chunk_index INT, chunk_count INT, text STRING, content_hash STRING, "
            + "embedding ARRAY<FLOAT> (required); title STRING, metadata MAP<STRING, STRING>, start_char INT, end_char "
            + "INT, token_count INT (optional)";

    static SinkColumns of(String what, ResolvedSchema schema) {
        List<Column> columns =
                schema.getColumns().stream().filter(Column::isPhysical).toList();
        Map<String, Integer> at = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            Kind kind = REQUIRED.containsKey(c.getName()) ? REQUIRED.get(c.getName()) : OPTIONAL.get(c.getName());
            if (kind == null) {
                throw new ConfigException(what + ": column '" + c.getName() + "' is not one of the vector table's; "
                        + "accepted: " + ACCEPTED + " (model, model_fingerprint and embedded_at are written by the "
                        + "sink)");
            }
            if (!fits(kind, c.getDataType().getLogicalType())) {
                throw new ConfigException(what + ": column '" + c.getName() + "' is "
                        + c.getDataType().getLogicalType().asSummaryString() + "; accepted: " + ACCEPTED);
            }
            at.put(c.getName(), i);
        }
        for (String name : REQUIRED.keySet()) {
            if (!at.containsKey(name)) {
                throw new ConfigException(what + ": column '" + name + "' is missing; accepted: " + ACCEPTED);
            }
        }
        schema.getPrimaryKey().map(UniqueConstraint::getColumns).ifPresent(key -> {
            if (!key.equals(List.of("doc_id", "chunk_index"))) {
                throw new ConfigException(what + ": the primary key is (doc_id, chunk_index), not " + key);
            }
        });
        return new SinkColumns(
                at.get("doc_id"),
                at.get("chunk_index"),
                at.get("chunk_count"),
                at.get("text"),
                at.get("content_hash"),
                at.get("embedding"),
                at.getOrDefault("title", -1),
                at.getOrDefault("metadata", -1),
                at.getOrDefault("start_char", -1),
                at.getOrDefault("end_char", -1),
                at.getOrDefault("token_count", -1));
    }

    private static boolean fits(Kind kind, LogicalType t) {
        return switch (kind) {
            case TEXT -> t.is(LogicalTypeFamily.CHARACTER_STRING);
            case INT -> t.is(LogicalTypeRoot.INTEGER);
            case VECTOR -> t.is(LogicalTypeRoot.ARRAY) && t.getChildren().get(0).is(LogicalTypeRoot.FLOAT);
            case MAP ->
                t.is(LogicalTypeRoot.MAP)
                        && t.getChildren().stream().allMatch(x -> x.is(LogicalTypeFamily.CHARACTER_STRING));
        };
    }
}
