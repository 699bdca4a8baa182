package dev.flinkembed.operators.store;

import dev.flinkembed.operators.config.ConfigKey;
import dev.flinkembed.operators.config.ConfigReader;
import java.util.List;

/**
 * Makes one kind of {@link VectorStore} from the job configuration. Implementations are listed in
 * {@code META-INF/services/dev.flinkembed.operators.store.VectorStoreFactory} and found by {@link #type()}
 * ({@code sink.type}); their keys are declared here, next to the store, and join the job's configuration reference.
 */
public interface VectorStoreFactory {

    /** The {@code sink.type} value, e.g. {@code pgvector}. */
    String type();

    /** The keys this store reads (documented, validated, accepted in YAML, --set and SQL WITH maps). */
    List<ConfigKey<?>> options();

    /** A store for writing vectors of {@code dimensions}; checks the keys (not the store: see prepare). */
    VectorStore create(ConfigReader config, int dimensions);

    /** A store for reading only (search, evaluate, versions, rollback): no vector length is needed. */
    VectorStore forReading(ConfigReader config);
}
