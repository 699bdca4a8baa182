package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.VectorStoreContract;
import dev.flinkembed.operators.testing.PgliteServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The vector-store contract against a real PostgreSQL with pgvector (PGlite). */
class PgVectorStoreContractTest extends VectorStoreContract {

    private static PgliteServer pg;

    @BeforeAll
    static void start() throws Exception {
        pg = PgliteServer.start();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    @Override
    protected VectorStore newStore(String collection, int dimensions) {
        return new PgVectorStore(PgVectorOptions.builder(pg.jdbcUrl(), collection, dimensions)
                .hnswIndex(false)
                .flushIntervalMillis(0)
                .build());
    }
}
