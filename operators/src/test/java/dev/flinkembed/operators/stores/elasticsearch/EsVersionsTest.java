package dev.flinkembed.operators.stores.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.StoreVersion;
import dev.flinkembed.operators.testing.ElasticsearchNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How collections become versions on a real node: created behind an alias, or adopted when plain. */
class EsVersionsTest {

    private static ElasticsearchNode es;

    @BeforeAll
    static void start() throws Exception {
        es = ElasticsearchNode.shared();
    }

    @Test
    void aCollectionIsCreatedAsVersionOneBehindItsNameAndListedOnlyOnceAModelChanges() throws Exception {
        EsOptions o = EsWriterTest.options("aliased", 4);
        EsWriterTest.write(o, List.of(EsWriterTest.chunk("a", 0, 1, "alpha", 4)));
        assertThat(es.admin("GET", "/_alias/aliased", null).has("aliased__v1")).isTrue();
        ElasticsearchStore store = new ElasticsearchStore(o);
        try (StoreSession s = store.open()) {
            assertThat(s.versions(false)).as("never versioned, for the user").isEmpty();
            assertThat(s.liveModel()).isEmpty();
            StoreVersion v2 = s.startBuilding("model-2", "fp2", 4);
            assertThat(v2.version()).isEqualTo(2);
            List<StoreVersion> versions = s.versions(true);
            assertThat(versions).extracting(StoreVersion::state).containsExactly("live", "building");
            assertThat(versions.get(0).model()).isEqualTo("test-model");
            assertThat(versions.get(0).fingerprint()).isEqualTo("fp1");
            assertThat(versions.get(0).rows()).isEqualTo(1);
        }
    }

    @Test
    void aPlainIndexIsAdoptedAsVersionOneWithEveryChunk() throws Exception {
        EsOptions o = EsWriterTest.options("plain", 4);
        es.admin("PUT", "/plain", EsClient.JSON.writeValueAsString(EsIndex.createBody(o, EsIndex.meta(4))));
        EsWriterTest.write(
                o,
                List.of(
                        EsWriterTest.chunk("a", 0, 2, "alpha one", 4),
                        EsWriterTest.chunk("a", 1, 2, "alpha two", 4),
                        EsWriterTest.chunk("b", 0, 1, "beta", 4)));
        ElasticsearchStore store = new ElasticsearchStore(o);
        try (StoreSession s = store.open()) {
            assertThat(s.versions(false)).isEmpty();
            s.startBuilding("model-2", "fp2", 4);
            List<StoreVersion> versions = s.versions(true);
            assertThat(versions).extracting(StoreVersion::physical).containsExactly("plain__v1", "plain__v2");
            assertThat(versions.get(0).state()).isEqualTo("live");
            assertThat(versions.get(0).fingerprint()).isEqualTo("fp1");
            assertThat(versions.get(0).rows()).isEqualTo(3);
        }
        assertThat(es.admin("GET", "/_alias/plain", null).has("plain__v1")).isTrue();
        assertThat(EsWriterTest.rows("plain")).containsExactly("a#0/2 alpha one", "a#1/2 alpha two", "b#0/1 beta");
        // writes go on through the name after the adoption (the write block is lifted in the clone)
        EsWriterTest.write(o, List.of(EsWriterTest.chunk("c", 0, 1, "gamma", 4)));
        assertThat(EsWriterTest.rows("plain")).hasSize(4);
    }
}
