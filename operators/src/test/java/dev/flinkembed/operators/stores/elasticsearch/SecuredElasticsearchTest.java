package dev.flinkembed.operators.stores.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreLock;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.testing.ElasticsearchNode;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store against a node with security on, as production runs it: HTTPS with the cluster's own CA (the CA file a
 * user passes) and users whose roles grant the least privilege (write the vectors and lock indices; read only). A
 * wrong password, a wrong API key and a user without the privilege fail with messages that name the problem and never
 * the secret. (API keys themselves cannot be made on this distribution: see {@link ElasticsearchNode}.)
 */
class SecuredElasticsearchTest {

    private static ElasticsearchNode es;

    @BeforeAll
    static void start() throws Exception {
        es = ElasticsearchNode.secured();
    }

    @AfterAll
    static void stop() {
        if (es != null) {
            es.close();
        }
    }

    static EsOptions.Builder options(String index, String user) {
        return EsOptions.builder(es.url(), index, 4)
                .user(user)
                .password(ElasticsearchNode.USER_PASSWORD)
                .caFile(es.caFile().toString())
                .replicas(0)
                .maxRetries(1)
                .retryBackoffMillis(10)
                .flushIntervalMillis(0);
    }

    @Test
    void aLeastPrivilegeUserOverHttpsWritesSearchesAndLocks() throws Exception {
        EsOptions o = options("secure-docs", ElasticsearchNode.WRITER).build();
        ElasticsearchStore store = new ElasticsearchStore(o);
        store.prepare();
        List<DeadLetter> refused = EsWriterTest.write(
                o, List.of(EsWriterTest.chunk("a", 0, 1, "alpha", 4), EsWriterTest.chunk("b", 0, 1, "beta", 4)));
        assertThat(refused).isEmpty();
        try (StoreSession s = new ElasticsearchStore(
                        options("secure-docs", ElasticsearchNode.READER).build())
                .open()) {
            List<SearchHit> hits = s.nearest(EsWriterTest.chunk("b", 0, 1, "beta", 4).embedding, 1);
            assertThat(hits).extracting(SearchHit::docId).containsExactly("b");
        }
        try (StoreLock lock = store.lock(60_000)) {
            assertThat(lock.lost()).isFalse();
        }
        assertThat(o.toString()).doesNotContain(ElasticsearchNode.USER_PASSWORD);
    }

    @Test
    void aWrongPasswordOrApiKeyIsAConfigurationErrorThatNeverShowsTheSecret() {
        EsOptions wrongPassword = options("secure-docs", ElasticsearchNode.WRITER)
                .password("not-the-password-123")
                .build();
        assertThatThrownBy(() -> new ElasticsearchStore(wrongPassword).prepare())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("401")
                .hasMessageContaining("elasticsearch.password-env")
                .hasMessageNotContaining("not-the-password-123");
        String wrongKey = "d3Jvbmc6a2V5LXRoYXQtZG9lcy1ub3QtZXhpc3Q=";
        EsOptions withKey = options("secure-docs", null).apiKey(wrongKey).build();
        assertThatThrownBy(() -> new ElasticsearchStore(withKey).open())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("401")
                .hasMessageNotContaining(wrongKey);
    }

    @Test
    void aKeyWithoutTheWritePrivilegeFailsTheWriteNamingThePrivilege() {
        EsOptions o = options("secure-readonly", ElasticsearchNode.READER).build();
        assertThatThrownBy(() -> new ElasticsearchStore(o).prepare())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("403")
                .hasMessageContaining("lack a privilege");
    }

    @Test
    void withoutTheClustersCaTheConnectionIsRefused() {
        EsOptions o =
                options("secure-docs", ElasticsearchNode.WRITER).caFile(null).build();
        assertThatThrownBy(() -> new ElasticsearchStore(o).prepare())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot reach")
                .hasMessageNotContaining(ElasticsearchNode.USER_PASSWORD);
    }

    @Test
    void aCaFileThatIsNoCertificateIsNamed() throws IOException {
        java.nio.file.Path notPem = java.nio.file.Files.createTempFile("not-a-ca", ".pem");
        java.nio.file.Files.writeString(notPem, "hello");
        assertThatThrownBy(() -> new EsClient(options("secure-docs", ElasticsearchNode.WRITER)
                        .caFile(notPem.toString())
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read the CA certificate " + notPem);
    }
}
