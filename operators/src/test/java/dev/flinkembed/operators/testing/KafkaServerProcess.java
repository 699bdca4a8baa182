package dev.flinkembed.operators.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka (combined broker and controller) in a process of its own, started with Kafka's own main
 * class ({@code kafka.Kafka}) on a fixed port and log directory, so that it can be stopped and started again as an
 * operator restarts a broker: same port, same data. Its output goes to {@code kafka.out} in its directory.
 */
final class KafkaServerProcess implements AutoCloseable {

    private final Path dir;
    private final Path properties;
    private final int port;
    private Process process;

    private KafkaServerProcess(Path dir, Path properties, int port) {
        this.dir = dir;
        this.properties = properties;
        this.port = port;
    }

    static KafkaServerProcess start(Path dir) throws Exception {
        return start(dir, null, List.of(), List.of());
    }

    /**
     * A broker with one more listener ({@code extraListener}, e.g. {@code SASL_SSL://127.0.0.1:9094}; its protocol
     * name is its listener name), {@code extraProperties} and {@code formatArgs} for the storage format (e.g. SCRAM
     * credentials: {@code --add-scram}). The PLAINTEXT listener stays, for the test harness.
     */
    static KafkaServerProcess start(
            Path dir, String extraListener, List<String> extraProperties, List<String> formatArgs) throws Exception {
        Files.createDirectories(dir);
        int port = PgliteServer.freePort();
        int controllerPort = PgliteServer.freePort();
        Path properties = dir.resolve("server.properties");
        String extra = extraListener == null ? "" : "," + extraListener;
        String extraProtocol = extraListener == null
                ? ""
                : "," + extraListener.substring(0, extraListener.indexOf(':')) + ":"
                        + extraListener.substring(0, extraListener.indexOf(':'));
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + extra + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + extra,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" + extraProtocol,
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                // Flink's exactly-once producer holds transactions open up to its transaction.timeout.ms.
                "transaction.max.timeout.ms=900000"));
        lines.addAll(extraProperties);
        Files.writeString(properties, String.join("\n", lines) + "\n");
        List<String> format0 =
                new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", properties.toString()));
        format0.addAll(formatArgs);
        Process format = new ProcessBuilder(java("kafka.tools.StorageTool", format0.toArray(String[]::new)))
                .redirectErrorStream(true)
                .start();
        String formatted = new String(format.getInputStream().readAllBytes());
        if (format.waitFor() != 0) {
            throw new IllegalStateException("kafka-storage format failed:\n" + formatted);
        }
        KafkaServerProcess k = new KafkaServerProcess(dir, properties, port);
        k.startProcess();
        return k;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Stops the broker as {@code kafka-server-stop.sh} does (SIGTERM: a controlled shutdown) and waits for it. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Starts the broker again: same port, same log directory; returns once it answers. */
    void startProcess() throws Exception {
        process = new ProcessBuilder(java("kafka.Kafka", properties.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("kafka.out").toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try (Admin admin = Admin.create(Map.of(
                    "bootstrap.servers",
                    bootstrapServers(),
                    "request.timeout.ms",
                    "3000",
                    "default.api.timeout.ms",
                    "3000"))) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "the Kafka broker did not start; see " + dir.resolve("kafka.out"), notYet);
                }
                Thread.sleep(500);
            }
        }
    }

    private static List<String> java(String main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                main));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            stop();
        }
    }
}
