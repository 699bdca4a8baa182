package dev.flinkembed.jobs.cli;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.runtime.loading.MemoryBudgetException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flink-embed}: the command line of every job and tool. The same main class runs under {@code flink run}. */
@Command(
        name = "flink-embed",
        mixinStandardHelpOptions = true,
        version = "flink-embed 0.1.0",
        description = "Bulk and streaming text embedding on Apache Flink.",
        subcommands = {
            BulkCommand.class,
            StreamCommand.class,
            ReindexCommand.class,
            VersionsCommand.class,
            GoldenCommand.class,
            EvaluateCommand.class,
            SearchCommand.class,
            ServeCommand.class,
            EmbedCommand.class,
            OptionsCommand.class
        })
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
                    + "the cluster (docs/deployment.md)");
            return 2;
        }
        ClientFileSystems.initialize();
        CommandLine cli = new CommandLine(new FlinkEmbedCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable config = configurationError(e);
            if (config != null) { // one clear line, not a stack trace
                cmd.getErr().println("error: " + config.getMessage());
                return 2;
            }
            // A failed job: what went wrong in our words first, then what caused it, then the stack.
            List<Throwable> chain = failureChain(e);
            cmd.getErr().println("error: " + chain.get(0));
            for (Throwable t : chain.subList(1, chain.size())) {
                cmd.getErr().println("  caused by: " + t);
            }
            chain.get(chain.size() - 1).printStackTrace(cmd.getErr());
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
    /**
     * The causes of a failure from the first that is not Flink's or the JDK's wrapping ("Job execution failed",
     * "Recovery is suppressed", "SplitFetcher thread 0 received unexpected exception", ExecutionException) down to
     * the root: e.g. the remote backend's "100 inputs failed after 2 retries against http://...", then the
     * ClosedChannelException behind it — not the bare root alone.
     */
    static List<Throwable> failureChain(Throwable e) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) {
            all.add(t);
        }
        int first = 0;
        while (first < all.size() - 1 && isWrapper(all.get(first))) {
            first++;
        }
        return all.subList(first, all.size());
    }

    private static boolean isWrapper(Throwable t) {
        String type = t.getClass().getName();
        StackTraceElement[] stack = t.getStackTrace();
        return type.startsWith("org.apache.flink.")
                || type.startsWith("java.util.concurrent.")
                || type.startsWith("picocli.")
                || type.endsWith("JobExecutionException")
                || (stack.length > 0 && stack[0].getClassName().startsWith("org.apache.flink."));
    }

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
