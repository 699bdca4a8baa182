package dev.flinkembed.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.operators.testing.PgliteServer;
import java.io.File;
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
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A standalone Flink session cluster as a user's machines run it: a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}) as separate JVM processes,
 * started as {@code jobmanager.sh} / {@code taskmanager.sh} do — JVM memory flags and dynamic resource options from
 * Flink's own {@code BashJavaUtils} — on the class path of a Flink distribution's {@code lib/} (assembled by the build
 * in {@code target/flink-dist/lib}, flink-dist is not on Maven Central) plus {@code target/flink-lib}, configured with
 * Flink's default {@code config.yaml}, then {@code conf/flink-cluster.yaml}, then the test's own settings. Jobs are
 * submitted through Flink's {@code CliFrontend} in a third JVM, exactly as {@code flink run} does.
 */
public final class StandaloneCluster implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The uncommented settings of the config.yaml in Flink 2.2's binary distribution. */
    static final Map<String, String> FLINK_DEFAULTS = Map.of(
            "jobmanager.rpc.address", "localhost",
            "jobmanager.bind-host", "localhost",
            "jobmanager.memory.process.size", "1600m",
            "taskmanager.bind-host", "localhost",
            "taskmanager.host", "localhost",
            "taskmanager.memory.process.size", "1728m",
            "taskmanager.numberOfTaskSlots", "1",
            "parallelism.default", "1",
            "jobmanager.execution.failover-strategy", "region",
            "rest.address", "localhost");

    public final Path home;
    public final Path confDir;
    public final Path logDir;
    public final int restPort;
    private final String classPath;
    private final List<String> opens;
    private final Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();
    /** Environment variables for the TaskManagers and `flink` command lines started from now on (e.g. secrets). */
    public final Map<String, String> environment = new java.util.HashMap<>();

    private final Map<String, String> config;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StandaloneCluster(Path home, Map<String, String> settings, Map<String, String> environment)
            throws Exception {
        this.home = home;
        this.environment.putAll(environment);
        this.confDir = Files.createDirectories(home.resolve("conf"));
        this.logDir = Files.createDirectories(home.resolve("log"));
        Path build = buildDir();
        this.classPath =
                classPath(build.resolve("flink-dist/lib")) + File.pathSeparator + classPath(build.resolve("flink-lib"));
        this.opens = jvmOpens();
        this.restPort = PgliteServer.freePort();
        Map<String, String> config = new LinkedHashMap<>(FLINK_DEFAULTS);
        config.putAll(clusterFragment());
        config.put("jobmanager.rpc.port", Integer.toString(PgliteServer.freePort()));
        config.put("rest.port", Integer.toString(restPort));
        config.put("rest.bind-address", "localhost");
        config.put("io.tmp.dirs", Files.createDirectories(home.resolve("tmp")).toString());
        config.put(
                "execution.checkpointing.dir",
                home.resolve("checkpoints").toUri().toString());
        config.put(
                "execution.checkpointing.savepoint-dir",
                home.resolve("savepoints").toUri().toString());
        // A killed TaskManager is noticed in seconds rather than Flink's default 50 s (test speed only).
        config.put("heartbeat.interval", "2s");
        config.put("heartbeat.timeout", "8s");
        config.putAll(settings);
        writeConfig(config);
        this.config = config;
        this.jobManager = startJobManager();
    }

    /** The --add-opens Flink needs on Java 17: from the build (failsafe), else those this JVM was started with. */
    private static List<String> jvmOpens() {
        String fromBuild = System.getProperty("flink-embed.jvm-opens", "").trim();
        if (!fromBuild.isEmpty()) {
            return List.of(fromBuild.split("\\s+"));
        }
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens"))
                .toList();
    }

    /** Starts a JobManager with {@code settings} over the defaults and conf/flink-cluster.yaml; add TaskManagers. */
    public static StandaloneCluster start(Path home, Map<String, String> settings) throws Exception {
        return start(home, settings, Map.of());
    }

    /**
     * As {@link #start(Path, Map)}, with environment variables for every process of the cluster, the JobManager
     * included (where a Kafka source's enumerator resolves its {@code ${env:...}} properties).
     */
    public static StandaloneCluster start(Path home, Map<String, String> settings, Map<String, String> environment)
            throws Exception {
        // Ports are picked free, then bound by another process a moment later: in a busy CI another process can take
        // one in between (seen once: the JobManager never answered). A second attempt gets new ports; both attempts'
        // logs are kept in target/cluster-logs and the first one's tail is printed.
        for (int attempt = 1; ; attempt++) {
            Path dir = attempt == 1 ? home : home.resolveSibling(home.getFileName() + "-attempt-" + attempt);
            StandaloneCluster c = new StandaloneCluster(dir, settings, environment);
            try {
                c.waitFor(
                        "the JobManager's REST endpoint",
                        () -> c.restOrNull("/overview") != null,
                        Duration.ofSeconds(120));
                return c;
            } catch (AssertionError e) {
                String tail = c.jobManagerLogTail();
                c.close();
                if (attempt == 2) {
                    throw new AssertionError(e.getMessage() + "\n" + tail, e);
                }
                System.err.println("The JobManager did not come up (alive: " + c.jobManager.isAlive()
                        + "); starting again with new ports. Its log ends:\n" + tail);
            }
        }
    }

    /** The last lines of the JobManager's log and stdout, for a message. */
    private String jobManagerLogTail() {
        StringBuilder out = new StringBuilder();
        for (String name : List.of("jobmanager.log", "jobmanager.out")) {
            try {
                List<String> lines = Files.readAllLines(logDir.resolve(name), StandardCharsets.ISO_8859_1);
                out.append("--- ")
                        .append(name)
                        .append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())))
                        .append('\n');
            } catch (IOException e) {
                out.append("--- ").append(name).append(": ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    public static Path buildDir() {
        String dir = System.getProperty("flink-embed.build-dir");
        return dir != null
                ? Path.of(dir)
                : TestCorpus.locate("jobs/target/flink-embed-all.jar").getParent();
    }

    public static Path jobJar() {
        return buildDir().resolve("flink-embed-all.jar");
    }

    /** conf/flink-cluster.yaml, flattened (it may use nested or flat keys, as Flink's config.yaml does). */
    static Map<String, String> clusterFragment() throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory())
                .readTree(TestCorpus.locate("conf/flink-cluster.yaml").toFile());
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", root, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) {
                flatten(key, e.getValue(), out);
            } else if (e.getValue().isArray()) {
                out.put(key, e.getValue().toString()); // a YAML flow sequence, as written
            } else {
                out.put(key, e.getValue().asText());
            }
        }
    }

    private void writeConfig(Map<String, String> config) throws IOException {
        StringBuilder yaml =
                new StringBuilder("# Flink's default config.yaml + conf/flink-cluster.yaml + test settings\n");
        for (Map.Entry<String, String> e : config.entrySet()) {
            String v = e.getValue();
            yaml.append(e.getKey())
                    .append(": ")
                    .append(v.startsWith("[") ? v : JSON.writeValueAsString(v))
                    .append('\n');
        }
        Files.writeString(confDir.resolve("config.yaml"), yaml);
        String log4j = """
                rootLogger.level = INFO
                rootLogger.appenderRef.file.ref = MainAppender
                appender.main.name = MainAppender
                appender.main.type = File
                appender.main.append = true
                appender.main.fileName = ${sys:log.file}
                appender.main.layout.type = PatternLayout
                appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1} - %m%n
                logger.cuda.name = ai.djl.util.cuda
                logger.cuda.level = ERROR
                logger.kafka.name = org.apache.kafka
                logger.kafka.level = WARN
                """;
        Files.writeString(confDir.resolve("log4j.properties"), log4j);
        Files.writeString(confDir.resolve("log4j-cli.properties"), log4j);
    }

    private static String classPath(Path dir) throws IOException {
        try (Stream<Path> jars = Files.list(dir)) {
            List<String> list = jars.filter(p -> p.toString().endsWith(".jar"))
                    .map(Path::toString)
                    .sorted()
                    .toList();
            if (list.isEmpty()) {
                throw new IllegalStateException(dir + " holds no jars: run `mvn package` first");
            }
            return String.join(File.pathSeparator, list);
        }
    }

    private Process startJobManager() throws Exception {
        List<List<String>> params = bashJavaUtils("GET_JM_RESOURCE_PARAMS");
        List<String> cmd = java(params.get(0), "jobmanager");
        cmd.addAll(List.of(
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                "--configDir",
                confDir.toString()));
        cmd.addAll(params.get(1));
        return start(cmd, "jobmanager");
    }

    /** Starts one more TaskManager process, as taskmanager.sh does; returns it (kill it to simulate a crash). */
    public Process startTaskManager() throws Exception {
        List<List<String>> params = bashJavaUtils("GET_TM_RESOURCE_PARAMS");
        String name = "taskmanager-" + taskManagers.size();
        List<String> jvm = new ArrayList<>(params.get(0));
        for (String key : List.of("env.java.opts.all", "env.java.opts.taskmanager")) { // as taskmanager.sh adds them
            String opts = config.getOrDefault(key, "").trim();
            if (!opts.isEmpty()) {
                jvm.addAll(List.of(opts.split("\\s+")));
            }
        }
        List<String> cmd = java(jvm, name);
        cmd.addAll(
                List.of("org.apache.flink.runtime.taskexecutor.TaskManagerRunner", "--configDir", confDir.toString()));
        cmd.addAll(params.get(1));
        Process p = start(cmd, name);
        taskManagers.add(p);
        return p;
    }

    /** Waits until {@code count} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int count) throws InterruptedException {
        waitFor(
                count + " registered TaskManager(s)",
                () -> {
                    JsonNode tms = restOrNull("/taskmanagers");
                    return tms != null && tms.path("taskmanagers").size() == count;
                },
                Duration.ofSeconds(90));
    }

    private List<String> java(List<String> memoryFlags, String logName) {
        List<String> cmd = new ArrayList<>(List.of(javaBin()));
        cmd.addAll(memoryFlags);
        cmd.addAll(opens);
        cmd.add("-Dlog.file=" + logDir.resolve(logName + ".log"));
        cmd.add("-Dlog4j.configurationFile=file:" + confDir.resolve("log4j.properties"));
        cmd.add("-classpath");
        cmd.add(classPath);
        return cmd;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private Process start(List<String> cmd, String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".out").toFile());
        pb.environment().putAll(environment);
        pb.environment().put("FLINK_CONF_DIR", confDir.toString());
        pb.environment().put("FLINK_PLUGINS_DIR", pluginsDir().toString());
        return pb.start();
    }

    /** The distribution's plugins/ (Flink's S3 file system in s3-fs-hadoop/), as flink's scripts point to it. */
    static Path pluginsDir() {
        return buildDir().resolve("flink-dist/plugins");
    }

    /** The two result lines of Flink's BashJavaUtils: JVM flags, then the -D resource options. */
    private List<List<String>> bashJavaUtils(String command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                javaBin(),
                "-classpath",
                classPath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils",
                command,
                "--configDir",
                confDir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("BashJavaUtils " + command + " failed:\n" + out);
        }
        List<List<String>> results = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                String value =
                        line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim();
                results.add(value.isEmpty() ? new ArrayList<>() : new ArrayList<>(Arrays.asList(value.split("\\s+"))));
            }
        }
        if (results.size() < 2) {
            throw new IllegalStateException("BashJavaUtils " + command + " printed no results:\n" + out);
        }
        return results;
    }

    /** The result of one `flink ...` command line (CliFrontend in its own JVM). */
    public record CliResult(int exitCode, String output) {
        /** The job id from flink-embed's "Submitted ... (id)" line. */
        public String jobId() {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Submitted [^(]*\\(([0-9a-f]{32})\\)")
                    .matcher(output);
            if (!m.find()) {
                throw new AssertionError("no job id in the output:\n" + output);
            }
            return m.group(1);
        }
    }

    /** Runs {@code flink <args>} (e.g. run JAR bulk ...) as the flink script does, and waits for it. */
    public CliResult flink(String... args) throws Exception {
        Process p = flinkAsync(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new CliResult(p.waitFor(), out);
    }

    /** Runs {@code flink <args>} with another configuration folder (e.g. a client with other credentials). */
    public CliResult flinkWithConf(Path conf, String... args) throws Exception {
        Process p = flinkAsync(conf, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new CliResult(p.waitFor(), out);
    }

    /** Starts {@code flink <args>}; its output (stdout and stderr) is the process's input stream. */
    public Process flinkAsync(String... args) throws IOException {
        return flinkAsync(confDir, args);
    }

    private Process flinkAsync(Path conf, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin()));
        cmd.addAll(opens);
        cmd.add("-Dlog.file=" + logDir.resolve("client-" + System.nanoTime() + ".log"));
        cmd.add("-Dlog4j.configurationFile=file:" + conf.resolve("log4j-cli.properties"));
        cmd.addAll(List.of("-classpath", classPath, "org.apache.flink.client.cli.CliFrontend"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(environment);
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        pb.environment().put("FLINK_PLUGINS_DIR", pluginsDir().toString());
        return pb.start();
    }

    /** GET on the JobManager's REST API; null when it does not answer (yet) with 200. */
    public JsonNode restOrNull(String path) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The job's state (RUNNING, FINISHED, ...) or null. */
    /**
     * Everything a person or a log shipper can read of this cluster, concatenated: every REST response of the
     * JobManager about it and the jobs (job, config, plan, exceptions, accumulators, vertices, cluster config and
     * environment, TaskManager details and log lists), every log and stdout file. Adds what it read to {@code
     * searched}. For searching secrets in it.
     */
    public String everythingReadable(List<String> jobIds, List<String> searched) throws IOException {
        StringBuilder everything = new StringBuilder();
        List<String> paths = new ArrayList<>(List.of(
                "/overview",
                "/config",
                "/jobmanager/config",
                "/jobmanager/environment",
                "/jobmanager/metrics",
                "/taskmanagers",
                "/jobs/overview"));
        JsonNode tms = restOrNull("/taskmanagers");
        for (JsonNode tm : tms.path("taskmanagers")) {
            paths.add("/taskmanagers/" + tm.get("id").asText());
            paths.add("/taskmanagers/" + tm.get("id").asText() + "/logs");
        }
        for (String job : jobIds) {
            for (String p : List.of(
                    "",
                    "/config",
                    "/plan",
                    "/exceptions",
                    "/accumulators",
                    "/jobmanager/config",
                    "/jobmanager/environment")) {
                paths.add("/jobs/" + job + p);
            }
            JsonNode vertices = restOrNull("/jobs/" + job).path("vertices");
            for (JsonNode v : vertices) {
                paths.add("/jobs/" + job + "/vertices/" + v.get("id").asText());
                paths.add("/jobs/" + job + "/vertices/" + v.get("id").asText() + "/accumulators");
            }
        }
        for (String p : paths) {
            JsonNode body = restOrNull(p);
            if (body == null) {
                throw new AssertionError("REST " + p + " did not answer");
            }
            everything.append(body);
            searched.add("REST " + p);
        }
        try (java.util.stream.Stream<Path> logs = Files.list(logDir)) {
            for (Path f : logs.toList()) {
                everything.append(Files.readString(f, StandardCharsets.ISO_8859_1));
                searched.add(logDir.relativize(f).toString());
            }
        }
        return everything.toString();
    }

    public String jobState(String jobId) {
        JsonNode job = restOrNull("/jobs/" + jobId);
        return job == null ? null : job.path("state").asText();
    }

    /** Completed checkpoints of a job so far. */
    public long completedCheckpoints(String jobId) {
        JsonNode c = restOrNull("/jobs/" + jobId + "/checkpoints");
        return c == null ? 0 : c.path("counts").path("completed").asLong();
    }

    /** Restarts of a job so far (the job's numRestarts metric). */
    public long restarts(String jobId) {
        JsonNode metrics = restOrNull("/jobs/" + jobId + "/metrics?get=numRestarts");
        return metrics == null || metrics.isEmpty()
                ? 0
                : metrics.get(0).path("value").asLong();
    }

    public void waitFor(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; logs in " + logDir);
            }
            Thread.sleep(500);
        }
    }

    /** A TaskManager process's memory: resident set (kB) and threads, from /proc, and metaspace via jcmd. */
    public record ProcessMemory(long rssKb, long threads, long metaspaceKb, long loadedClasses, long heapCommittedKb) {}

    /** Runs a full GC in the process first (jcmd), so that what is left is what is held. */
    public static ProcessMemory memory(Process p) throws Exception {
        jcmd(p, "GC.run");
        Thread.sleep(500);
        long rss = 0;
        long threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("Threads:")) {
                threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        long metaspace = 0;
        long heap = 0;
        for (String line : jcmd(p, "GC.heap_info").split("\n")) {
            java.util.regex.Matcher h = java.util.regex.Pattern.compile("garbage-first heap\\s+total (\\d+)K")
                    .matcher(line.trim());
            if (h.find()) {
                heap = Long.parseLong(h.group(1));
            }
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("Metaspace\\s+used (\\d+)K").matcher(line.trim());
            if (m.find()) {
                metaspace = Long.parseLong(m.group(1));
            }
        }
        long classes = 0;
        for (String line : jcmd(p, "VM.classloader_stats").split("\n")) {
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("^Total = \\d+\\s+(\\d+)").matcher(line.trim());
            if (m.find()) {
                classes = Long.parseLong(m.group(1));
            }
        }
        return new ProcessMemory(rss, threads, metaspace, classes, heap);
    }

    /** Live job class loaders (Flink's ChildFirstClassLoader instances) after a full GC. */
    public static long jobClassLoaders(Process p) throws Exception {
        for (String line : jcmd(p, "GC.class_histogram").split("\n")) {
            if (line.endsWith("org.apache.flink.util.ChildFirstClassLoader")) {
                return Long.parseLong(line.trim().split("\\s+")[1]);
            }
        }
        return 0;
    }

    /** Native Memory Tracking (the TaskManager must run with -XX:NativeMemoryTracking=summary): baseline, then diff. */
    public static String nativeMemory(Process p, String command) throws Exception {
        return jcmd(p, command);
    }

    private static String jcmd(Process p, String command) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(p.pid())));
        cmd.addAll(List.of(command.split(" ")));
        Process j = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        j.waitFor();
        return out;
    }

    public List<Process> taskManagers() {
        return taskManagers;
    }

    public Process jobManager() {
        return jobManager;
    }

    /** The TaskManagers' logs, concatenated (assertions on what they logged). */
    public String taskManagerLogs() throws IOException {
        StringBuilder s = new StringBuilder();
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("taskmanager"))
                    .sorted()
                    .toList()) {
                s.append(Files.readString(f));
            }
        }
        return s.toString();
    }

    @Override
    public void close() {
        for (Process tm : taskManagers) {
            tm.destroy();
        }
        jobManager.destroy();
        for (Process p : taskManagers) {
            waitQuietly(p);
        }
        waitQuietly(jobManager);
        keepLogs();
    }

    /** Copies the processes' logs to target/cluster-logs/ (the test's folder is deleted after it). */
    private void keepLogs() {
        Path target =
                buildDir().resolve("cluster-logs").resolve(home.getParent().getFileName() + "-" + home.getFileName());
        try (Stream<Path> files = Files.list(logDir)) {
            Files.createDirectories(target);
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("could not keep the cluster logs: " + e);
        }
    }

    private static void waitQuietly(Process p) {
        try {
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
