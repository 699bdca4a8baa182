package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.config.JobConfig;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.factories.Factory;

/**
 * A Flink table factory whose {@code WITH} options are the job configuration's keys: none declared to Flink (whose
 * helper would refuse them as unknown), all checked by {@link JobConfig} with the jobs' messages ({@link SqlOptions}).
 */
interface JobKeysFactory extends Factory {

    /** None required: every key has the jobs' default. */
    @Override
    default Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    default Set<ConfigOption<?>> optionalOptions() {
        return Set.of();
    }
}
