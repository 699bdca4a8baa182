package dev.flinkembed.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.cli.FlinkEmbedCli;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} as it is exposed: its own process started through the command line, with an API key from the
 * environment, HTTPS from a key store made by the JDK's keytool, a 64 KiB body limit and a 2 s read timeout.
 */
class ServeExposedTest {

    private static final String KEY = "sk-test-" + Long.toHexString(System.nanoTime());
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Process server;
    static List<String> output = new ArrayList<>();
    static String base;
    static SSLContext trust;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("serve.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "serve",
                        "-keyalg",
                        "EC",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "SAN=ip:127.0.0.1",
                        "-validity",
                        "2",
                        "-keystore",
                        keystore.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        "changeit-ks")
                .redirectErrorStream(true)
                .start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue())
                .as(new String(keytool.getInputStream().readAllBytes()))
                .isZero();
        trust = trusting(keystore, "changeit-ks");
        client = HttpClient.newBuilder().sslContext(trust).build();

        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        FlinkEmbedCli.class.getName(),
                        "serve",
                        "--port",
                        "0",
                        "--api-key-env",
                        "TEST_SERVE_KEY",
                        "--tls-keystore",
                        keystore.toString(),
                        "--tls-keystore-password-env",
                        "TEST_KEYSTORE_PASSWORD",
                        "--max-request-bytes",
                        "65536",
                        "--read-timeout",
                        "2",
                        "--threads",
                        "2")
                .redirectErrorStream(true);
        pb.environment().put("TEST_SERVE_KEY", KEY);
        pb.environment().put("TEST_KEYSTORE_PASSWORD", "changeit-ks");
        server = pb.start();
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        Pattern url = Pattern.compile("flink-embed serve: (https://\\S+)/embeddings");
        String line;
        while ((line = lines.readLine()) != null) {
            output.add(line);
            Matcher m = url.matcher(line);
            if (m.find()) {
                base = m.group(1);
                break;
            }
        }
        assertThat(base).as(String.join("\n", output)).isNotNull();
        Thread drain = new Thread(() -> lines.lines().forEach(l -> {
            synchronized (output) {
                output.add(l);
            }
        }));
        drain.setDaemon(true);
        drain.start();
        // The first TLS handshakes of both JVMs are slow (providers loading); with a 2 s read timeout the server would
        // rightly cut off a client that took that long, so one request warms both up.
        String root = base.substring(0, base.length() - "/v1".length());
        assertThat(send(HttpRequest.newBuilder(URI.create(root + "/health")).GET())
                        .statusCode())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void requestsWithoutTheRightKeyGetOpenAisUnauthorizedError() throws Exception {
        HttpResponse<String> none = post("{\"input\": \"hello\"}", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        JsonNode err = JSON.readTree(none.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");

        HttpResponse<String> wrong = post("{\"input\": \"hello\"}", KEY + "x");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain(KEY);
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/models")).GET())
                        .statusCode())
                .isEqualTo(401);

        HttpResponse<String> ok = post("{\"input\": \"hello\"}", KEY);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).get("data").get(0).get("embedding").size())
                .isEqualTo(384);
    }

    @Test
    void healthStaysOpenAndMetricsWantTheKey() throws Exception {
        String root = base.substring(0, base.length() - "/v1".length());
        assertThat(send(HttpRequest.newBuilder(URI.create(root + "/health")).GET())
                        .statusCode())
                .isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(URI.create(root + "/metrics")).GET())
                        .statusCode())
                .isEqualTo(401);
        HttpResponse<String> metrics = send(HttpRequest.newBuilder(URI.create(root + "/metrics"))
                .header("Authorization", "Bearer " + KEY)
                .GET());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("flink_embed_requests_total{endpoint=\"/health\",status=\"200\"}")
                .contains("process_resident_memory_bytes")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void aBodyOverTheLimitIsRefusedWithoutBeingRead() throws Exception {
        String big = "{\"input\": \"" + "word ".repeat(20_000) + "\"}"; // 100 kB > 64 KiB
        HttpResponse<String> declared = post(big, KEY);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(declared.body()).get("error").get("message").asText())
                .contains("65536 bytes")
                .contains("--max-request-bytes");

        // No Content-Length (chunked): refused once reading passes the limit.
        HttpResponse<String> chunked = send(HttpRequest.newBuilder(URI.create(base + "/embeddings"))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))));
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(post("{\"input\": \"still serving\"}", KEY).statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatStallsMidBodyIsCutOffAsAClientErrorAndTheServerKeepsServing() throws Exception {
        String root = base.substring(0, base.length() - "/v1".length());
        URI u = URI.create(root);
        // Two stalled clients against two HTTP threads: without the timeout they would hold both threads, and the
        // request after them would never be served.
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Socket s = trust.getSocketFactory().createSocket(u.getHost(), u.getPort());
            OutputStream o = s.getOutputStream();
            o.write(("POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                            + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"input\": \"half")
                    .getBytes(StandardCharsets.UTF_8));
            o.flush();
            stalled.add(s);
        }
        long start = System.nanoTime();
        for (Socket s : stalled) {
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            int read;
            try {
                read = in.read();
            } catch (java.net.SocketException closed) {
                read = -1;
            }
            assertThat(read)
                    .as("the server closes the stalled connection without an answer")
                    .isEqualTo(-1);
            s.close();
        }
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(25);
        assertThat(post("{\"input\": \"after the stall\"}", KEY).statusCode()).isEqualTo(200);

        HttpResponse<String> metrics = send(HttpRequest.newBuilder(URI.create(root + "/metrics"))
                .header("Authorization", "Bearer " + KEY)
                .GET());
        assertThat(metrics.body())
                .contains("flink_embed_requests_total{endpoint=\"/v1/embeddings\",status=\"408\"} 2.0")
                .doesNotContain("status=\"500\"");
        synchronized (output) {
            assertThat(String.join("\n", output)).doesNotContain(" ERROR ").doesNotContain(KEY);
        }
    }

    @Test
    void aKeyVariableThatIsNotSetIsAConfigurationErrorBeforeAnythingStarts() {
        dev.flinkembed.jobs.cli.CliRun run = dev.flinkembed.jobs.cli.CliRun.of(
                "serve", "--port", "0", "--api-key-env", "FLINK_EMBED_NO_SUCH_VARIABLE");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("--api-key-env")
                .contains("FLINK_EMBED_NO_SUCH_VARIABLE")
                .contains("environment variable");
    }

    private static HttpResponse<String> post(String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/embeddings"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return send(b);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static SSLContext trusting(Path keystore, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, password.toCharArray());
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("serve", store.getCertificate("serve"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }
}
