package dev.flinkembed.operators.sources;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * Which Parquet columns hold a document's id, text (one column, or several comma-separated, joined with a blank line
 * as {@link DocumentFields} joins JSON fields), optional title (may be null) and metadata (comma-separated, may be
 * null).
 */
public record ParquetColumns(String id, String text, String title, String metadata) implements Serializable {

    public static final ParquetColumns DEFAULT = new ParquetColumns("id", "text", null);

    public ParquetColumns {
        Objects.requireNonNull(id, "id column");
        Objects.requireNonNull(text, "text column");
    }

    public ParquetColumns(String id, String text, String title) {
        this(id, text, title, null);
    }

    public List<String> textColumns() {
        return DocumentFields.list(text);
    }

    public List<String> metadataColumns() {
        return DocumentFields.list(metadata);
    }
}
