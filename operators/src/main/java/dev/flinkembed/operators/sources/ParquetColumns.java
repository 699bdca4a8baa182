package dev.flinkembed.operators.sources;

import java.io.Serializable;
import java.util.Objects;

/** Which Parquet columns hold a document's id, text and (optional, may be null) title. */
public record ParquetColumns(String id, String text, String title) implements Serializable {

    public static final ParquetColumns DEFAULT = new ParquetColumns("id", "text", null);

    public ParquetColumns {
        Objects.requireNonNull(id, "id column");
        Objects.requireNonNull(text, "text column");
    }
}
