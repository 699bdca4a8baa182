package dev.flinkembed.operators.stores.elasticsearch;

import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.VectorStoreContract;
import dev.flinkembed.operators.testing.ElasticsearchNode;
import org.junit.jupiter.api.BeforeAll;

/** The vector-store contract against a real Elasticsearch node (the one this JVM shares). */
class ElasticsearchStoreContractTest extends VectorStoreContract {

    private static ElasticsearchNode es;

    @BeforeAll
    static void start() throws Exception {
        es = ElasticsearchNode.shared();
    }

    @Override
    protected VectorStore newStore(String collection, int dimensions) {
        return new ElasticsearchStore(EsOptions.builder(es.url(), collection.replace('_', '-'), dimensions)
                .replicas(0)
                .flushIntervalMillis(0)
                .build());
    }
}
