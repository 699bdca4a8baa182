package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.operators.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A SQL {@code WITH} map read as the job configuration: the same keys, checks and messages as YAML and {@code --set}
 * ({@link JobConfig}), with the where — the model or table — in front of the message so a SQL user sees which
 * statement's option it is.
 */
final class SqlOptions {

    private SqlOptions() {}

    /**
     * @param own  the key the factory itself is found by ({@code provider}, {@code connector}): not a job key
     * @param what e.g. {@code model 'cat.db.doc_embedder'}
     */
    static JobConfig of(Map<String, String> with, String own, String what) {
        Map<String, String> values = new LinkedHashMap<>(with);
        values.remove(own);
        try {
            return JobConfig.of(values);
        } catch (ConfigException e) {
            throw named(what, e);
        }
    }

    /** {@code e}'s message prefixed with the statement's object, still a ConfigException. */
    static ConfigException named(String what, ConfigException e) {
        ConfigException named = new ConfigException(what + ": " + e.getMessage());
        named.setStackTrace(e.getStackTrace());
        return named;
    }
}
