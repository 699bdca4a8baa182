package dev.flinkembed.runtime.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.remote.FaultyEmbeddingServer.Fault;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The remote backend against a local server that misbehaves on purpose. */
class RemoteEmbedderTest {

    private static RemoteEmbedder client(FaultyEmbeddingServer server, RemoteOptions o) {
        return new RemoteEmbedder(o, EmbeddingInput::text, t -> t.split(" ").length, null, "test-remote");
    }

    private static RemoteOptions options(FaultyEmbeddingServer server) {
        return RemoteOptions.builder(server.url(), "fake")
                .maxInputsPerRequest(16)
                .maxTokensPerRequest(200)
                // 2 s: a healthy answer takes milliseconds even on a loaded 2-core machine; a SLOW one (6 s) always
                // times out.
                .timeoutMillis(2000)
                .maxRetries(8)
                .retryBackoffMillis(20)
                .maxBackoffMillis(200)
                .build();
    }

    private static List<String> texts(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("document number " + i + " " + "word ".repeat(i % 13));
        }
        return out;
    }

    private static List<CompletableFuture<Embedding>> submitAll(RemoteEmbedder c, List<String> texts) {
        return texts.stream().map(t -> c.submit(EmbeddingInput.document(t))).toList();
    }

    @Test
    void everyFaultIsRiddenOutAndEveryInputGetsItsOwnVector() throws Exception {
        Fault[] cycle = {
            Fault.NONE, Fault.TOO_MANY_REQUESTS, Fault.UNAVAILABLE, Fault.SLOW, Fault.DROP, Fault.MALFORMED, Fault.NONE
        };
        try (FaultyEmbeddingServer server =
                        new FaultyEmbeddingServer(n -> n <= 30 ? cycle[n % cycle.length] : Fault.NONE, 64, 6000);
                RemoteEmbedder c = client(server, options(server))) {
            List<String> texts = texts(300);
            List<CompletableFuture<Embedding>> futures = submitAll(c, texts);
            for (int i = 0; i < texts.size(); i++) {
                Embedding e = futures.get(i).get(60, TimeUnit.SECONDS);
                assertThat(e.vector()).containsExactly(FaultyEmbeddingServer.vectorOf(texts.get(i)));
                assertThat(e.tokens()).isEqualTo(texts.get(i).split(" ").length);
            }
            assertThat(c.retries()).isGreaterThanOrEqualTo(10);
            assertThat(server.maxInputsSeen.get()).isLessThanOrEqualTo(16);
            // Bounded: the faults cost retries, not an avalanche of requests.
            assertThat(server.requests.get()).isLessThan(300 / 2 + 60);
        }
    }

    @Test
    void requestsRespectTheTokenLimit() throws Exception {
        try (FaultyEmbeddingServer server = new FaultyEmbeddingServer(n -> Fault.NONE, 64, 0);
                RemoteEmbedder c = client(
                        server,
                        RemoteOptions.builder(server.url(), "fake")
                                .maxInputsPerRequest(64)
                                .maxTokensPerRequest(20)
                                .timeoutMillis(5000)
                                .build())) {
            List<String> texts = texts(100);
            for (CompletableFuture<Embedding> f : submitAll(c, texts)) {
                f.get(30, TimeUnit.SECONDS);
            }
            // Each text has 3..15 "tokens": at most 20 per request means at most 6 inputs.
            assertThat(server.maxInputsSeen.get()).isLessThanOrEqualTo(6);
        }
    }

    @Test
    void anInputTheServerRefusesFailsAloneAndTheOthersGoThrough() throws Exception {
        try (FaultyEmbeddingServer server = new FaultyEmbeddingServer(n -> Fault.NONE, 64, 0);
                RemoteEmbedder c = client(server, options(server))) {
            List<String> texts = new ArrayList<>(texts(40));
            texts.set(17, "this one is " + FaultyEmbeddingServer.REFUSED_MARKER);
            List<CompletableFuture<Embedding>> futures = submitAll(c, texts);
            for (int i = 0; i < texts.size(); i++) {
                if (i == 17) {
                    CompletableFuture<Embedding> f = futures.get(i);
                    assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
                            .isInstanceOf(ExecutionException.class)
                            .cause()
                            .isInstanceOf(InputRejectedException.class)
                            .hasMessageContaining("HTTP 400")
                            .hasMessageContaining("maximum context length");
                } else {
                    assertThat(futures.get(i).get(30, TimeUnit.SECONDS).vector())
                            .containsExactly(FaultyEmbeddingServer.vectorOf(texts.get(i)));
                }
            }
            assertThat(c.rejectedInputs()).isEqualTo(1);
        }
    }

    @Test
    void aServerThatNeverRecoversFailsTheInputsAfterTheRetryBudget() throws Exception {
        try (FaultyEmbeddingServer server = new FaultyEmbeddingServer(n -> Fault.UNAVAILABLE, 64, 0);
                RemoteEmbedder c = client(
                        server,
                        RemoteOptions.builder(server.url(), "fake")
                                .maxRetries(3)
                                .retryBackoffMillis(10)
                                .maxBackoffMillis(50)
                                .build())) {
            CompletableFuture<Embedding> f = c.submit(EmbeddingInput.document("hello"));
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(RemoteException.class)
                    .hasMessageContaining("after 3 retries")
                    .hasMessageContaining("HTTP 503");
            assertThat(server.requests.get()).isEqualTo(4);
        }
    }

    @Test
    void concurrencyBacksOffWhenTheServerPushesBack() throws Exception {
        RemoteOptions o = RemoteOptions.builder("http://127.0.0.1:1/v1", "fake")
                .encodingFormat("base64")
                .maxInputsPerRequest(2)
                .maxTokensPerRequest(10_000)
                .timeoutMillis(5_000)
                .maxRetries(20)
                .retryBackoffMillis(10)
                .maxBackoffMillis(100)
                .initialConcurrency(8)
                .maxConcurrency(8)
                .maxWaitMillis(1)
                .build();
        try (FaultyEmbeddingServer server = new FaultyEmbeddingServer(n -> Fault.SLOW, 2, 100);
                RemoteEmbedder c = client(
                        server,
                        RemoteOptions.builder(server.url(), "fake")
                                .encodingFormat("base64")
                                .maxInputsPerRequest(2)
                                .maxTokensPerRequest(10_000)
                                .timeoutMillis(5_000)
                                .maxRetries(20)
                                .retryBackoffMillis(10)
                                .maxBackoffMillis(100)
                                .initialConcurrency(8)
                                .maxConcurrency(8)
                                .maxWaitMillis(1)
                                .build())) {
            List<String> texts = texts(120);
            List<CompletableFuture<Embedding>> futures = submitAll(c, texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(futures.get(i).get(60, TimeUnit.SECONDS).vector())
                        .containsExactly(FaultyEmbeddingServer.vectorOf(texts.get(i)));
            }
            assertThat(c.concurrencyLimit())
                    .as("the limit fell from 8 towards the server's capacity of 2")
                    .isLessThan(8);
            assertThat(o.endpoint().toString()).isEqualTo("http://127.0.0.1:1/v1/embeddings");
        }
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        assertThat(EmbeddingsProtocol.retryAfterMillis("2")).isEqualTo(2000);
        assertThat(EmbeddingsProtocol.retryAfterMillis("0.5")).isEqualTo(500);
        assertThat(EmbeddingsProtocol.retryAfterMillis(null)).isEqualTo(-1);
        String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30));
        assertThat(EmbeddingsProtocol.retryAfterMillis(date)).isBetween(28_000L, 30_000L);
    }
}
