package dev.flinkembed.operators.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * A real Elasticsearch node for tests: the integ-test-zip distribution the build unpacks (system property
 * {@code flink-embed.elasticsearch-home}), started on this JDK as a single node with a 512 MB heap, its config, data
 * and logs in a fresh folder under /tmp (removed on close). Elasticsearch refuses to run as root: as root the harness
 * creates an unprivileged system user and starts the node as that user ({@code runuser}).
 *
 * <p>{@link #shared()} is one plain node per test JVM (security off, HTTP), stopped at exit. {@link #secured()} starts
 * a node with security on, HTTPS (a self-signed certificate made with openssl, the CA file a user would pass) and
 * users of the file realm with file-based roles ({@link #ROLES}). This distribution cannot make API keys: the
 * {@code .security} index they live in needs the analysis-common module, which the integ-test-zip leaves out.
 */
public final class ElasticsearchNode implements AutoCloseable {

    static final String OS_USER = "flinkembed-es";
    public static final String ADMIN = "flinkembed-admin";
    public static final String ADMIN_PASSWORD = "admin-" + Long.toHexString(System.nanoTime());
    /** A user of the secured node whose role may write indices named {@code secure-*} and the lock index. */
    public static final String WRITER = "flinkembed-writer";
    /** A user of the secured node whose role may only read indices named {@code secure-*}. */
    public static final String READER = "flinkembed-reader";

    public static final String USER_PASSWORD = "user-" + Long.toHexString(System.nanoTime() * 7);

    /** File-realm roles: least privilege, as a platform team would grant flink-embed. */
    static final String ROLES = """
            flinkembed_writer:
              cluster: [ "monitor" ]
              indices:
                - names: [ "secure-*", "flink-embed-locks" ]
                  privileges: [ "all" ]
            flinkembed_reader:
              indices:
                - names: [ "secure-*" ]
                  privileges: [ "read", "view_index_metadata" ]
            """;

    private static ElasticsearchNode shared;

    private final Path dir;
    private final Process process;
    private final String url;
    private final Path caFile;
    private final HttpClient http;

    private ElasticsearchNode(Path dir, Process process, String url, Path caFile, HttpClient http) {
        this.dir = dir;
        this.process = process;
        this.url = url;
        this.caFile = caFile;
        this.http = http;
    }

    /** The plain node shared by every test in this JVM. */
    public static synchronized ElasticsearchNode shared() throws Exception {
        if (shared == null) {
            shared = start(false);
            ElasticsearchNode node = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(node::close));
        }
        return shared;
    }

    /** A node with security and HTTPS on (close it when done). */
    public static ElasticsearchNode secured() throws Exception {
        return start(true);
    }

    static Path home() throws IOException {
        String home = System.getProperty("flink-embed.elasticsearch-home");
        if (home == null) { // the benchmarks: the distribution the operators module's build unpacked
            Path unpacked = Path.of(System.getProperty("flink-embed.home", "."), "operators/target/elasticsearch");
            if (Files.isDirectory(unpacked)) {
                try (Stream<Path> dirs = Files.list(unpacked)) {
                    home = dirs.map(Path::toString).findFirst().orElse(null);
                }
            }
        }
        if (home == null || !Files.isExecutable(Path.of(home, "bin", "elasticsearch"))) {
            throw new IllegalStateException("no Elasticsearch distribution at " + home + " (the build unpacks "
                    + "org.elasticsearch.distribution.integ-test-zip into target/elasticsearch; run the tests "
                    + "through Maven)");
        }
        return Path.of(home);
    }

    private static ElasticsearchNode start(boolean security) throws Exception {
        Path home = home();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER), true);
        }
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "es-");
        Path config = dir.resolve("config");
        copy(home.resolve("config"), config);
        int port = PgliteServer.freePort();
        int transport = PgliteServer.freePort();
        List<String> settings = new ArrayList<>(List.of(
                "discovery.type=single-node",
                "http.host=127.0.0.1",
                "transport.host=127.0.0.1",
                "http.port=" + port,
                "transport.port=" + transport,
                "path.data=" + dir.resolve("data"),
                "path.logs=" + dir.resolve("logs"),
                "cluster.routing.allocation.disk.threshold_enabled=false",
                "xpack.security.enabled=" + security));
        Path ca = null;
        if (security) {
            Path certs = Files.createDirectories(config.resolve("certs"));
            ca = certs.resolve("http.crt");
            run(
                    List.of(
                            "openssl",
                            "req",
                            "-x509",
                            "-newkey",
                            "rsa:2048",
                            "-nodes",
                            "-days",
                            "2",
                            "-subj",
                            "/CN=localhost",
                            "-addext",
                            "subjectAltName=IP:127.0.0.1,DNS:localhost",
                            "-keyout",
                            certs.resolve("http.key").toString(),
                            "-out",
                            ca.toString()),
                    false);
            settings.addAll(List.of(
                    "xpack.security.http.ssl.enabled=true",
                    "xpack.security.http.ssl.certificate=certs/http.crt",
                    "xpack.security.http.ssl.key=certs/http.key",
                    "xpack.security.transport.ssl.enabled=false"));
            Files.writeString(config.resolve("roles.yml"), ROLES);
            for (String[] user : List.of(
                    new String[] {ADMIN, ADMIN_PASSWORD, "superuser"},
                    new String[] {WRITER, USER_PASSWORD, "flinkembed_writer"},
                    new String[] {READER, USER_PASSWORD, "flinkembed_reader"})) {
                run(
                        List.of(
                                home.resolve("bin/elasticsearch-users").toString(),
                                "useradd",
                                user[0],
                                "-p",
                                user[1],
                                "-r",
                                user[2]),
                        false,
                        "ES_PATH_CONF=" + config,
                        "ES_JAVA_HOME=" + javaHome());
            }
        }
        if (root) {
            run(List.of("chown", "-R", OS_USER, dir.toString()), false);
        }
        List<String> cmd = new ArrayList<>();
        if (root) {
            cmd.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        cmd.addAll(List.of(
                "env",
                "ES_JAVA_HOME=" + javaHome(),
                "ES_PATH_CONF=" + config,
                "ES_JAVA_OPTS=-Xms512m -Xmx512m",
                home.resolve("bin/elasticsearch").toString()));
        for (String s : settings) {
            cmd.add("-E");
            cmd.add(s);
        }
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("node.log").toFile())
                .start();
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(ca == null ? SSLContext.getDefault() : trusting(ca))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        String url = (security ? "https" : "http") + "://127.0.0.1:" + port;
        ElasticsearchNode node = new ElasticsearchNode(dir, p, url, ca, http);
        long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
        while (true) {
            try {
                JsonNode health = node.admin("GET", "/_cluster/health?wait_for_status=yellow&timeout=5s", null);
                if (!health.path("timed_out").asBoolean(true)) {
                    return node;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String log = Files.exists(dir.resolve("node.log")) ? Files.readString(dir.resolve("node.log")) : "";
                node.close();
                throw new IllegalStateException("Elasticsearch did not start:\n" + log);
            }
            Thread.sleep(500);
        }
    }

    private static SSLContext trusting(Path pem) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        ks.load(null, null);
        try (var in = Files.newInputStream(pem)) {
            ks.setCertificateEntry(
                    "ca",
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory tmf =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    static String javaHome() {
        return System.getProperty("java.home");
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void run(List<String> cmd, boolean mayFail, String... env) throws Exception {
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String e : env) {
            int eq = e.indexOf('=');
            b.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || (p.exitValue() != 0 && !mayFail)) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
        }
    }

    /** http(s)://127.0.0.1:PORT */
    public String url() {
        return url;
    }

    /** The PEM file of the secured node's certificate (its own CA); null for the plain node. */
    public Path caFile() {
        return caFile;
    }

    /** A request as the superuser (secured node) or anonymously (plain node); a 2xx answer's JSON, else IOException. */
    public JsonNode admin(String method, String path, String json) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        json == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .header("Content-Type", "application/json");
        if (caFile != null) {
            r.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString((ADMIN + ":" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> answer = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() / 100 != 2) {
                throw new IOException(method + " " + path + " → " + answer.statusCode() + ": " + answer.body());
            }
            return new ObjectMapper().readTree(answer.body().isEmpty() ? "{}" : answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        process.destroy();
        all.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            for (ProcessHandle h : all) {
                h.onExit().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            all.forEach(ProcessHandle::destroyForcibly);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: /tmp
        }
    }
}
