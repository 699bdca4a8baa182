package dev.flinkembed.jobs.cli;

import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.pgvector.PgVectorSearch;
import dev.flinkembed.operators.pgvector.PgVectorVersions;
import dev.flinkembed.runtime.loading.ModelLoader;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.sql.Connection;
import java.sql.SQLException;

/** The model that queries a table must be embedded with: as given, else the live version's, else the rows' lineage. */
final class TableModels {

    record Resolved(ModelOptions options, PgVectorSearch.Lineage lineage) {
    }

    private TableModels() {
    }

    static Resolved forTable(Connection c, String schema, String table, String model, String instruction)
            throws SQLException {
        PgVectorSearch.Lineage lineage = PgVectorSearch.lineage(c, schema, table);
        if (lineage == null) {
            throw new IllegalArgumentException("table " + schema + "." + table + " is empty");
        }
        // A versioned table (after a model change) records the model as it was passed to reindex.
        String name = model != null ? model : PgVectorVersions.liveModel(c, schema, table).orElse(lineage.model());
        // A table of Matryoshka-truncated vectors: truncate the query the same way.
        int hidden = ModelLoader.hiddenSize(ModelFolderCache.localName(name));
        ModelOptions options = ModelOptions.defaults(name).withInstruction(instruction)
                .withDimensions(lineage.dimensions() < hidden ? lineage.dimensions() : null);
        return new Resolved(options, lineage);
    }
}
