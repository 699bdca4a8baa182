package dev.flinkembed.jobs.cli;

import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.store.Lineage;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.loading.ModelOptions;

/** The model that queries a store must be embedded with: as given, else the live version's, else the rows' lineage. */
final class TableModels {

    record Resolved(ModelOptions options, Lineage lineage) {}

    private TableModels() {}

    static Resolved forStore(StoreSession s, String name, String model, String instruction, Precision precision) {
        Lineage lineage = s.lineage().orElseThrow(() -> new IllegalArgumentException(name + " is empty"));
        // A versioned collection (after a model change) records the model as it was passed to reindex.
        String chosen = model != null ? model : s.liveModel().orElse(lineage.model());
        // A collection of Matryoshka-truncated vectors: truncate the query the same way.
        int hidden = ModelFolderCache.hiddenSize(chosen);
        ModelOptions options = ModelOptions.defaults(chosen)
                .withInstruction(instruction)
                .withDimensions(lineage.dimensions() < hidden ? lineage.dimensions() : null)
                .withPrecision(precision);
        return new Resolved(options, lineage);
    }
}
