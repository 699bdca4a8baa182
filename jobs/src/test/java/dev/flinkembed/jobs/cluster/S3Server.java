package dev.flinkembed.jobs.cluster;

import dev.flinkembed.operators.testing.PgliteServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real S3 API server for the tests: s3proxy (jobs/target/s3proxy/s3proxy.jar, copied there by the build) in its own
 * JVM over a filesystem backend, with request signing enforced (AWS signature v2 or v4). The test's own client here is
 * deliberately independent of the Hadoop/AWS code under test: plain HTTP requests signed with signature v2 (one
 * HMAC-SHA1), enough to create buckets, upload, list and download.
 */
public final class S3Server implements AutoCloseable {

    public final String endpoint;
    public final String accessKey;
    public final String secretKey;
    private final Process process;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private S3Server(String endpoint, String accessKey, String secretKey, Process process, Path log) {
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.process = process;
        this.log = log;
    }

    /** Starts s3proxy with its data and log under {@code home}; waits until it answers. */
    public static S3Server start(Path home, String accessKey, String secretKey) throws Exception {
        Path data = Files.createDirectories(home.resolve("data"));
        int port = PgliteServer.freePort();
        String endpoint = "http://127.0.0.1:" + port;
        Path properties = home.resolve("s3proxy.properties");
        Files.writeString(
                properties,
                String.join(
                                "\n",
                                "s3proxy.endpoint=" + endpoint,
                                "s3proxy.authorization=aws-v2-or-v4",
                                "s3proxy.identity=" + accessKey,
                                "s3proxy.credential=" + secretKey,
                                "jclouds.provider=filesystem",
                                "jclouds.filesystem.basedir=" + data)
                        + "\n");
        Path jar = StandaloneCluster.buildDir().resolve("s3proxy/s3proxy.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run `mvn package` first");
        }
        Path log = home.resolve("s3proxy.log");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-jar",
                        jar.toString(),
                        "--properties",
                        properties.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        S3Server s3 = new S3Server(endpoint, accessKey, secretKey, p, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                s3.send("GET", "/", null); // an (empty) bucket list once it is up
                return s3;
            } catch (IOException | IllegalStateException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    s3.close();
                    throw new IllegalStateException("s3proxy did not start: " + e + "\n" + Files.readString(log), e);
                }
                Thread.sleep(300);
            }
        }
    }

    public void createBucket(String bucket) throws Exception {
        send("PUT", "/" + bucket, null);
    }

    public void put(String bucket, String key, byte[] body) throws Exception {
        send("PUT", "/" + bucket + "/" + key, body);
    }

    public void putFile(String bucket, String key, Path file) throws Exception {
        put(bucket, key, Files.readAllBytes(file));
    }

    /** Uploads every file under {@code folder} to {@code bucket} under {@code prefix}/. */
    public void putFolder(String bucket, String prefix, Path folder) throws Exception {
        try (var files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                putFile(bucket, prefix + "/" + folder.relativize(f).toString().replace('\\', '/'), f);
            }
        }
    }

    public byte[] get(String bucket, String key) throws Exception {
        return send("GET", "/" + bucket + "/" + key, null);
    }

    /** The keys under {@code prefix} (ListObjects). */
    public List<String> list(String bucket, String prefix) throws Exception {
        String xml = new String(
                send("GET", "/" + bucket + "?prefix=" + URLEncoder.encode(prefix, StandardCharsets.UTF_8), null),
                StandardCharsets.UTF_8);
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile("<Key>([^<]*)</Key>").matcher(xml);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    /** Downloads every object under {@code prefix}/ whose name ends with {@code suffix} into {@code into}. */
    public List<Path> download(String bucket, String prefix, String suffix, Path into) throws Exception {
        Files.createDirectories(into);
        List<Path> out = new ArrayList<>();
        for (String key : list(bucket, prefix)) {
            if (key.endsWith(suffix)) {
                Path f = into.resolve(key.replace('/', '_'));
                Files.write(f, get(bucket, key));
                out.add(f);
            }
        }
        return out;
    }

    /** A signature-v2 request; the body of a 2xx answer, else an IllegalStateException with the status and body. */
    private byte[] send(String method, String pathAndQuery, byte[] body) throws Exception {
        String resource =
                pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        String date =
                DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.US).format(ZonedDateTime.now(ZoneOffset.UTC));
        String contentType = body == null ? "" : "application/octet-stream";
        String toSign = method + "\n\n" + contentType + "\n\nx-amz-date:" + date + "\n" + resource;
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .header("x-amz-date", date)
                .header("Authorization", "AWS " + accessKey + ":" + signature)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + pathAndQuery + " → " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return response.body();
    }

    /** Flink's S3 settings for this server (path-style access, plain HTTP), as a cluster's config.yaml holds them. */
    public java.util.Map<String, String> flinkSettings() {
        return java.util.Map.of(
                "s3.endpoint",
                endpoint,
                "s3.path.style.access",
                "true",
                "s3.access-key",
                accessKey,
                "s3.secret-key",
                secretKey,
                "s3.connection.ssl.enabled",
                "false");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
