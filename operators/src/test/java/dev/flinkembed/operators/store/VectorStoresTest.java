package dev.flinkembed.operators.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.config.ConfigKey;
import dev.flinkembed.operators.config.ConfigReader;
import dev.flinkembed.operators.stores.pgvector.PgVectorStoreFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stores are found by sink.type through the service file; each brings its own keys and checks them. */
class VectorStoresTest {

    /** A configuration as a map, parsed by each key (as a job's or a SQL WITH map would be). */
    private record MapConfig(Map<String, String> values) implements ConfigReader {
        @Override
        public <T> T get(ConfigKey<T> key) {
            String v = values.getOrDefault(key.name(), key.defaultValue());
            return v == null ? null : key.parse(v);
        }

        @Override
        public boolean isSet(ConfigKey<?> key) {
            return values.containsKey(key.name());
        }
    }

    @Test
    void pgvectorIsFoundThroughTheServiceFile() {
        assertThat(VectorStores.exists("pgvector")).isTrue();
        assertThat(VectorStores.get("sink.type", "pgvector")).isInstanceOf(PgVectorStoreFactory.class);
        assertThat(VectorStores.all()).extracting(VectorStoreFactory::type).contains("pgvector");
    }

    @Test
    void anUnknownStoreIsRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> VectorStores.get("sink.type", "milvus"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("configuration key 'sink.type': value 'milvus' is not accepted; vector stores: pgvector, "
                        + "elasticsearch");
    }

    @Test
    void aStoreChecksItsOwnKeysBeforeConnecting() {
        VectorStoreFactory pg = VectorStores.get("sink.type", "pgvector");
        assertThatThrownBy(() -> pg.create(new MapConfig(Map.of("pgvector.table", "docs")), 384))
                .hasMessageContaining("configuration key 'pgvector.url' is required");
        assertThatThrownBy(() -> pg.create(
                        new MapConfig(Map.of("pgvector.url", "jdbc:mysql://db/x", "pgvector.table", "docs")), 384))
                .hasMessageContaining("'pgvector.url'")
                .hasMessageContaining("jdbc:postgresql://");
        assertThatThrownBy(() -> pg.create(
                        new MapConfig(Map.of("pgvector.url", "jdbc:postgresql://db/x", "pgvector.table", "a;drop")),
                        384))
                .hasMessageContaining("'pgvector.table'");
        VectorStore store = pg.create(
                new MapConfig(Map.of("pgvector.url", "jdbc:postgresql://db/x", "pgvector.table", "docs")), 384);
        assertThat(store.type()).isEqualTo("pgvector");
        assertThat(store.name()).isEqualTo("public.docs");
        assertThat(store.physical())
                .as("the table itself, as versions name theirs")
                .isEqualTo("docs");
        assertThat(store.dimensions()).isEqualTo(384);
        VectorStore reader = pg.forReading(
                new MapConfig(Map.of("pgvector.url", "jdbc:postgresql://db/x", "pgvector.table", "docs")));
        assertThat(reader.name()).isEqualTo("public.docs");
    }

    @Test
    void elasticsearchChecksItsKeysBeforeConnecting() {
        VectorStoreFactory es = VectorStores.get("sink.type", "elasticsearch");
        assertThat(es.type()).isEqualTo("elasticsearch");
        assertThatThrownBy(() -> es.create(new MapConfig(Map.of("elasticsearch.index", "docs")), 384))
                .hasMessageContaining("configuration key 'elasticsearch.url' is required")
                .hasMessageContaining("--es-url");
        assertThatThrownBy(() -> es.create(
                        new MapConfig(Map.of("elasticsearch.url", "es:9200", "elasticsearch.index", "docs")), 384))
                .hasMessageContaining("'elasticsearch.url'")
                .hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> es.create(
                        new MapConfig(Map.of(
                                "elasticsearch.url", "https://me:secret@es:9200", "elasticsearch.index", "docs")),
                        384))
                .hasMessageContaining("credentials in the URL are not accepted")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> es.create(
                        new MapConfig(Map.of("elasticsearch.url", "http://es:9200", "elasticsearch.index", "Docs/x")),
                        384))
                .hasMessageContaining("'elasticsearch.index'")
                .hasMessageContaining("lower-case");
        assertThatThrownBy(() -> es.create(
                        new MapConfig(Map.of(
                                "elasticsearch.url",
                                "http://es:9200",
                                "elasticsearch.index",
                                "docs",
                                "elasticsearch.index-type",
                                "bbq_hnsw")),
                        32))
                .hasMessageContaining("'elasticsearch.index-type'")
                .hasMessageContaining("at least 64");
        assertThatThrownBy(() -> es.create(
                        new MapConfig(Map.of(
                                "elasticsearch.url",
                                "http://es:9200",
                                "elasticsearch.index",
                                "docs",
                                "elasticsearch.api-key-env",
                                "FLINK_EMBED_NO_SUCH_VARIABLE")),
                        384))
                .hasMessageContaining("'elasticsearch.api-key-env'")
                .hasMessageContaining("FLINK_EMBED_NO_SUCH_VARIABLE");
        assertThatThrownBy(() -> es.create(
                        new MapConfig(Map.of("elasticsearch.url", "http://es:9200", "elasticsearch.index", "docs")),
                        5000))
                .hasMessageContaining("'model.dimensions'")
                .hasMessageContaining("4096");
        VectorStore store = es.create(
                new MapConfig(Map.of("elasticsearch.url", "http://es:9200", "elasticsearch.index", "docs")), 384);
        assertThat(store.name()).isEqualTo("docs");
        assertThat(store.dimensions()).isEqualTo(384);
        assertThat(es.forReading(new MapConfig(
                                Map.of("elasticsearch.url", "http://es:9200", "elasticsearch.index", "docs")))
                        .name())
                .isEqualTo("docs");
    }
}
