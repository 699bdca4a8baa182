package dev.flinkembed.bench.serve;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What a hostile client can do to an embeddings server within its limits, measured from outside
 * ({@code bench-serve --attack}): size-legal bodies that are expensive to parse, and connections that stall.
 */
final class ServeAttacks {

    private ServeAttacks() {}

    /**
     * {@code concurrency} requests at once, each a body of {@code bodyBytes} holding {@code {"model":"x","input":[{},
     * {},...]}}: legal in size, expensive to parse as a tree. Prints the answers and the server's peak resident memory
     * (VmHWM of {@code serverPid}: the kernel's high-water mark, so no sample misses the peak).
     */
    static int hostileBodies(String base, int concurrency, int bodyBytes, Long serverPid) throws Exception {
        StringBuilder sb = new StringBuilder(bodyBytes).append("{\"model\":\"x\",\"input\":[{}");
        while (sb.length() + 6 < bodyBytes) {
            sb.append(",{}");
        }
        byte[] body = sb.append("]}").toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long before = serverPid == null ? -1 : peakRssMb(serverPid);
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        Map<String, Integer> answers = new TreeMap<>();
        long start = System.nanoTime();
        List<Future<String>> sent = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            sent.add(pool.submit(() -> {
                try {
                    return Integer.toString(http.send(
                                    HttpRequest.newBuilder(URI.create(base + "/embeddings"))
                                            .timeout(Duration.ofMinutes(5))
                                            .header("Content-Type", "application/json")
                                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode());
                } catch (IOException e) { // the server may close a refused request before the client finished
                    return "connection closed";
                }
            }));
        }
        for (Future<String> f : sent) {
            answers.merge(f.get(), 1, Integer::sum);
        }
        pool.shutdown();
        System.out.printf(
                "hostile bodies: %d × %d bytes at once → %s in %.1f s; server peak RSS %s MB (before: %s MB)%n",
                concurrency,
                body.length,
                answers,
                (System.nanoTime() - start) / 1e9,
                serverPid == null ? "n/a (pass --server-pid)" : peakRssMb(serverPid),
                before < 0 ? "n/a" : before);
        return 0;
    }

    /** {@code connections} sockets that send one byte and stall; then how long {@code GET /health} takes. */
    static int stalledConnections(String base, int connections) throws Exception {
        URI root = URI.create(base.endsWith("/v1") ? base.substring(0, base.length() - 3) : base);
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket(root.getHost(), root.getPort());
                s.getOutputStream().write('G');
                s.getOutputStream().flush();
                stalled.add(s);
            }
            Thread.sleep(1000);
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(60))
                    .build();
            long t0 = System.nanoTime();
            int status = http.send(
                            HttpRequest.newBuilder(root.resolve("/health"))
                                    .timeout(Duration.ofSeconds(90))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            System.out.printf(
                    "stalled connections: %d open; GET /health → %d in %.0f ms%n",
                    connections, status, (System.nanoTime() - t0) / 1e6);
            return 0;
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    private static long peakRssMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
            }
        }
        return -1;
    }
}
