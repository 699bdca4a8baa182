package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.TestCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * A SQL client session as a test runs it: the README's {@code sql} blocks, found by their marker comment, split into
 * statements and run one by one through Flink's {@link TableEnvironment} against a standalone cluster (Flink's own SQL
 * client cannot be assembled from this registry). Only the addresses a user would put in are replaced.
 */
public final class SqlSession {

    private final Configuration conf;
    private TableEnvironment tables;

    private SqlSession(Configuration conf) {
        this.conf = conf;
    }

    /** A session submitting to the cluster whose REST endpoint is localhost:{@code restPort}. */
    public static SqlSession remote(int restPort) {
        Configuration conf = new Configuration();
        conf.set(DeploymentOptions.TARGET, "remote");
        conf.set(JobManagerOptions.ADDRESS, "localhost");
        conf.set(RestOptions.ADDRESS, "localhost");
        conf.set(RestOptions.PORT, restPort);
        return new SqlSession(conf);
    }

    /**
     * The session's TableEnvironment, made at its first statement that is not a {@code SET}: Flink fixes the runtime
     * mode when a TableEnvironment is made, so a session's leading {@code SET 'execution.runtime-mode'} goes into it.
     */
    public TableEnvironment tables() {
        if (tables == null) {
            tables = TableEnvironment.create(
                    EnvironmentSettings.newInstance().withConfiguration(conf).build());
        }
        return tables;
    }

    /** The statements of the README block marked {@code <!-- sql-session: name ... -->}, addresses replaced. */
    public static List<String> readmeStatements(String name, Map<String, String> replacements) throws Exception {
        String readme = Files.readString(TestCorpus.locate("README.md"));
        Matcher m = Pattern.compile(
                        "<!-- sql-session: " + Pattern.quote(name) + "\\b[^>]*-->\\s*```sql\\n(.*?)```", Pattern.DOTALL)
                .matcher(readme);
        if (!m.find()) {
            throw new IllegalStateException("README.md has no sql block marked 'sql-session: " + name + "'");
        }
        String block = m.group(1);
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            block = block.replace(r.getKey(), r.getValue()); // the addresses a block holds (not every block has all)
        }
        return split(block);
    }

    /** Statements end with ';' at the end of a line; comment lines are dropped; BEGIN ... END; stays one statement. */
    static List<String> split(String block) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inSet = false;
        for (String line : block.split("\n")) {
            if (line.strip().startsWith("--") || (line.isBlank() && current.isEmpty())) {
                continue;
            }
            current.append(line).append('\n');
            if (line.strip().endsWith("BEGIN")) {
                inSet = true;
            }
            if (line.strip().endsWith(";") && (!inSet || line.strip().equals("END;"))) {
                String statement = current.toString().strip();
                out.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
                inSet = false;
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("unterminated statement: " + current);
        }
        return out;
    }

    private static final Pattern SET = Pattern.compile("SET\\s+'([^']+)'\\s*=\\s*'([^']*)'", Pattern.CASE_INSENSITIVE);
    private static final Pattern ADD_JAR = Pattern.compile("ADD JAR\\s+'([^']+)'", Pattern.CASE_INSENSITIVE);

    /**
     * Runs each statement in order; the last one's result (an INSERT's job) is returned. {@code SET} and
     * {@code ADD JAR} are the SQL client's own commands: done here as it does them (the session's configuration; the
     * jar shipped with every job, its classes already on this JVM's class path).
     */
    public TableResult run(List<String> statements) {
        TableResult last = null;
        for (String s : statements) {
            System.out.println("Flink SQL> " + s.replace("\n", "\n        > ") + ";");
            if (s.startsWith("EXECUTE STATEMENT SET") || s.startsWith("INSERT")) {
                tables().executeSql("EXPLAIN " + s.replaceFirst("^EXECUTE ", ""))
                        .print();
            }
            Matcher set = SET.matcher(s.strip());
            Matcher jar = ADD_JAR.matcher(s.strip());
            if (set.matches()) {
                if (tables == null) {
                    conf.setString(set.group(1), set.group(2));
                } else {
                    tables.getConfig().set(set.group(1), set.group(2));
                }
            } else if (jar.matches()) {
                List<String> jars =
                        new ArrayList<>(conf.getOptional(PipelineOptions.JARS).orElse(List.of()));
                jars.add(Path.of(jar.group(1)).toUri().toString());
                conf.set(PipelineOptions.JARS, jars);
                if (tables != null) {
                    tables.getConfig().set(PipelineOptions.JARS, jars);
                }
            } else {
                last = tables().executeSql(s);
            }
        }
        return last;
    }

    /** Convenience for replacement maps in order. */
    public static Map<String, String> replacing(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }
}
