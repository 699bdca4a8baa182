package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.config.ConfigException;
import dev.flinkembed.runtime.loading.MemoryBudgetException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flink-embed}: the command line of every job and tool. The same main class runs under {@code flink run}. */
@Command(name = "flink-embed", mixinStandardHelpOptions = true, version = "flink-embed 0.1.0",
        description = "Bulk and streaming text embedding on Apache Flink.",
        subcommands = {BulkCommand.class, StreamCommand.class, ReindexCommand.class, VersionsCommand.class,
                GoldenCommand.class, EvaluateCommand.class, SearchCommand.class, ServeCommand.class, EmbedCommand.class,
                BenchServeCommand.class})
public final class FlinkEmbedCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (!runtimeOnClassPath()) {
            System.err.println("error: flink-embed's model runtime is not on the class path: copy "
                    + "jobs/target/flink-lib/*.jar into Flink's lib/ on the client and on every TaskManager, then restart "
                    + "the cluster (README, \"Running on a Flink cluster\")");
            return 2;
        }
        CommandLine cli = new CommandLine(new FlinkEmbedCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable config = configurationError(e);
            if (config != null) { // one clear line, not a stack trace
                cmd.getErr().println("error: " + config.getMessage());
                return 2;
            }
            // A failed job: the root cause first, then its stack (the outer layers are Flink's plumbing).
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            cmd.getErr().println("error: " + root);
            root.printStackTrace(cmd.getErr());
            return 1;
        });
        return cli.execute(args);
    }

    /**
     * The configuration mistake behind a failure, or null: a {@link ConfigException} or a model too large for the
     * TaskManager anywhere in the chain, or an {@link IllegalArgumentException} raised on the client while checking
     * the configuration. An IllegalArgumentException from inside a running job is a failure of the job (exit 1), not
     * the user's mistake.
     */
    static Throwable configurationError(Throwable e) {
        boolean insideJob = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConfigException || t instanceof MemoryBudgetException) {
                return t;
            }
            insideJob |= t.getClass().getName().endsWith("JobExecutionException");
            if (t instanceof IllegalArgumentException && !insideJob) {
                return t;
            }
        }
        return null;
    }

    /** flink-embed-all.jar leaves the runtime (and DJL's native libraries) to Flink's lib/: is it there? */
    static boolean runtimeOnClassPath() {
        try {
            Class.forName("dev.flinkembed.runtime.loading.ModelLoader", false, FlinkEmbedCli.class.getClassLoader());
            Class.forName("ai.djl.engine.Engine", false, FlinkEmbedCli.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
