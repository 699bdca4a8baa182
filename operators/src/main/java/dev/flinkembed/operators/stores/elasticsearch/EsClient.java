package dev.flinkembed.operators.stores.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Elasticsearch's REST API over the JDK's HTTP client, with Jackson for JSON: the stable contract of every 8.x and 9.x
 * node, without a client library whose version must match the server's. Sends the API key or basic credentials with
 * each request; no message it makes names them.
 */
final class EsClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final EsOptions options;
    private final String base;
    private final String authorization;
    private final HttpClient http;

    /** An answer: its status and body (MissingNode when it had none). */
    record Response(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    EsClient(EsOptions options) {
        this.options = options;
        this.base = options.url().endsWith("/")
                ? options.url().substring(0, options.url().length() - 1)
                : options.url();
        if (options.apiKey() != null) {
            this.authorization = "ApiKey " + options.apiKey();
        } else if (options.user() != null) {
            String pair = options.user() + ":" + (options.password() == null ? "" : options.password());
            this.authorization = "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        } else {
            this.authorization = null;
        }
        HttpClient.Builder b =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (options.caFile() != null) {
            b.sslContext(trusting(Path.of(options.caFile())));
        }
        this.http = b.build();
    }

    /** An SSL context that trusts the certificates in a PEM file (the cluster's CA). */
    static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new IllegalArgumentException("no certificate in " + pem);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the CA certificate " + pem + ": " + e.getMessage(), e);
        }
    }

    String describe() {
        return "Elasticsearch at " + options.safeUrl();
    }

    /** Sends a request; any status comes back (only a failed connection throws). */
    Response send(String method, String path, String body, String contentType) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMillis(options.requestTimeoutMillis()))
                .header("Accept", "application/json");
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        if (body != null) {
            r.header("Content-Type", contentType);
            r.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling " + describe(), e);
        } catch (IOException e) {
            throw new IOException("cannot reach " + describe() + ": " + e, e);
        }
        byte[] bytes = response.body();
        JsonNode json = MissingNode.getInstance();
        if (bytes != null && bytes.length > 0) {
            try {
                json = JSON.readTree(bytes);
            } catch (IOException notJson) {
                json = MissingNode.getInstance(); // a proxy's HTML page: the status says enough
            }
        }
        return new Response(response.statusCode(), json);
    }

    /** A JSON request whose answer must be 2xx; an {@link EsException} naming status and reason otherwise. */
    JsonNode call(String method, String path, Object body) throws IOException {
        Response r = send(method, path, body == null ? null : JSON.writeValueAsString(body), "application/json");
        if (!r.ok()) {
            throw failure(method, path, r);
        }
        return r.body();
    }

    /** The same, but a 404 is an empty answer. */
    Optional<JsonNode> callOrMissing(String method, String path, Object body) throws IOException {
        Response r = send(method, path, body == null ? null : JSON.writeValueAsString(body), "application/json");
        if (r.status() == 404) {
            return Optional.empty();
        }
        if (!r.ok()) {
            throw failure(method, path, r);
        }
        return Optional.of(r.body());
    }

    /** An NDJSON request (_bulk). */
    JsonNode ndjson(String path, String body) throws IOException {
        Response r = send("POST", path, body, "application/x-ndjson");
        if (!r.ok()) {
            throw failure("POST", path, r);
        }
        return r.body();
    }

    EsException failure(String method, String path, Response r) {
        JsonNode error = r.body().path("error");
        String type = error.path("type").asText("");
        String reason =
                error.isTextual() ? error.asText() : error.path("reason").asText("");
        JsonNode root = error.path("root_cause").path(0);
        if (!root.isMissingNode() && !root.path("reason").asText("").equals(reason)) {
            reason = reason + " (" + root.path("type").asText("") + ": "
                    + root.path("reason").asText("") + ")";
        }
        String hint = r.status() == 401
                ? "; check the credentials (elasticsearch.api-key-env, or elasticsearch.user and "
                        + "elasticsearch.password-env)"
                : r.status() == 403 && !"cluster_block_exception".equals(type)
                        ? "; the credentials lack a privilege for this request"
                        : "";
        return new EsException(
                describe() + " answered " + method + " " + path + " with " + r.status()
                        + (type.isEmpty() ? "" : " (" + type + ": " + EsException.safeReason(reason) + ")") + hint,
                r.status(),
                type);
    }

    @Override
    public void close() {
        // the JDK client of Java 17 holds no resources to release explicitly
    }
}
