package dev.flinkembed.jobs.cdc;

import dev.flinkembed.operators.testing.PgliteServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL 15 server (the Debian package's binaries) started by the test with {@code wal_level=logical}, so
 * Debezium can stream its changes over {@code pgoutput}. PostgreSQL refuses to run as root: as root the harness creates
 * an unprivileged system user and runs {@code initdb} and {@code postgres} as that user ({@code runuser}). Trust
 * authentication on 127.0.0.1 only; data under a fresh directory in /tmp, removed on close.
 */
public final class Postgres15 implements AutoCloseable {

    static final String OS_USER = "flinkembed-pg";

    private final Path data;
    private final int port;
    private final Process server;

    private Postgres15(Path data, int port, Process server) {
        this.data = data;
        this.port = port;
        this.server = server;
    }

    /** The server's binaries: $PG15_BIN, else the Debian package's folder. */
    static Path bin() {
        String env = System.getenv("PG15_BIN");
        Path bin = Path.of(env != null ? env : "/usr/lib/postgresql/15/bin");
        if (!Files.isExecutable(bin.resolve("postgres"))) {
            throw new IllegalStateException("PostgreSQL 15 is not installed at " + bin + " (apt-get install -y "
                    + "postgresql-15; .ci/run installs it when missing), or set PG15_BIN");
        }
        return bin;
    }

    public static Postgres15 start() throws Exception {
        Path bin = bin();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER), true);
        }
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "pg15-");
        Path data = dir.resolve("data");
        if (root) {
            run(List.of("chown", "-R", OS_USER, dir.toString()), false);
        }
        run(
                asUser(
                        root,
                        bin.resolve("initdb").toString(),
                        "-D",
                        data.toString(),
                        "-U",
                        "postgres",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C"),
                false);
        int port = PgliteServer.freePort();
        List<String> cmd = asUser(
                root,
                bin.resolve("postgres").toString(),
                "-D",
                data.toString(),
                "-p",
                Integer.toString(port),
                "-k",
                dir.toString(),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "wal_level=logical",
                "-c",
                "max_wal_senders=4",
                "-c",
                "max_replication_slots=4",
                "-c",
                "fsync=off");
        Process server = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("postgres.log").toFile())
                .start();
        Postgres15 pg = new Postgres15(data, port, server);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Connection c = pg.connect()) {
                return pg;
            } catch (Exception notYet) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    String log = Files.readString(dir.resolve("postgres.log"));
                    pg.close();
                    throw new IllegalStateException("PostgreSQL 15 did not start:\n" + log, notYet);
                }
                Thread.sleep(200);
            }
        }
    }

    private static List<String> asUser(boolean root, String... cmd) {
        List<String> out = new ArrayList<>();
        if (root) {
            out.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        out.addAll(List.of(cmd));
        return out;
    }

    private static void run(List<String> cmd, boolean mayFail) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || (p.exitValue() != 0 && !mayFail)) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    public Connection connect() throws Exception {
        return DriverManager.getConnection(jdbcUrl());
    }

    @Override
    public void close() throws Exception {
        if (server.isAlive()) {
            // SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for the replication connection to go away)
            new ProcessBuilder("kill", "-INT", Long.toString(server.pid()))
                    .start()
                    .waitFor();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
        deleteTree(data.getParent());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
