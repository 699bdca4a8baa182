package dev.flinkembed.operators.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL 18 with pgvector for tests: PGlite (PostgreSQL compiled to WASM) served over the wire protocol by
 * {@code @electric-sql/pglite-socket}, installed by the operators module's build into {@code src/test/pglite}.
 */
public final class PgliteServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private PgliteServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** An in-memory database on a free port. */
    public static PgliteServer start() throws IOException, InterruptedException {
        return start(null, freePort());
    }

    /** A database kept in {@code dataDir} (null: in memory) on {@code port}: restartable, to test reconnects. */
    public static PgliteServer start(Path dataDir, int port) throws IOException, InterruptedException {
        Path dir = installDir();
        Path log = Files.createTempFile("pglite-", ".log");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                "node",
                "node_modules/@electric-sql/pglite-socket/dist/scripts/server.js",
                "-p",
                Integer.toString(port),
                "-e",
                "@electric-sql/pglite-pgvector:vector",
                "-m",
                "8"));
        if (dataDir != null) {
            cmd.addAll(java.util.List.of("-d", dataDir.toAbsolutePath().toString()));
        }
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        PgliteServer server = new PgliteServer(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("PGlite exited: " + Files.readString(log));
            }
            try (Connection c = server.connect();
                    Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION IF NOT EXISTS vector");
                return server;
            } catch (SQLException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        server.close();
        throw new IllegalStateException(
                "PGlite did not accept connections within 60 s: " + Files.readString(log), last);
    }

    /**
     * The folder holding the npm install: this module's, or the operators module's from a sibling module or from the
     * project's home (the benchmarks).
     */
    private static Path installDir() {
        for (Path candidate : new Path[] {
            Path.of("src/test/pglite"),
            Path.of("../operators/src/test/pglite"),
            Path.of(System.getProperty("flink-embed.home", "."), "operators/src/test/pglite")
        }) {
            if (Files.isDirectory(candidate.resolve("node_modules/@electric-sql/pglite-socket"))) {
                return candidate.toAbsolutePath();
            }
        }
        throw new IllegalStateException(
                "PGlite is not installed: run the Maven build (it runs `npm ci` in " + "operators/src/test/pglite)");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        // PGlite is one backend shared by every connection (the socket server runs one transaction at a time):
        // no SSL/GSS, and no named server-side prepared statements, whose names would collide across connections.
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&password=postgres&sslmode=disable"
                + "&gssEncMode=disable&prepareThreshold=0";
    }

    /** A pgvector value in its text form ({@code [0.1,-0.2,...]}) as floats. */
    public static float[] parseVector(String text) {
        String[] parts = text.substring(1, text.length() - 1).split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }

    /**
     * A connection for the test's own statements, over the simple query protocol: PGlite serves every connection from
     * one session, message by message, so an extended-protocol statement (Parse, Bind, Execute) of the test could be
     * split by a job's writer (seen in CI: a count that failed with "bind message supplies 0 parameters" and so read
     * 0 rows for seconds). One simple-protocol message cannot be split. The product keeps {@link #jdbcUrl()}.
     */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl() + "&preferQueryMode=simple");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }
}
