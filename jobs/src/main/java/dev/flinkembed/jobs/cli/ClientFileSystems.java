package dev.flinkembed.jobs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.client.program.StreamContextEnvironment;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Makes Flink's file system plugins (S3, GCS, Azure, …) usable by the client's own checks when it runs on its own:
 * under {@code flink run} Flink's {@code CliFrontend} has already done this from the cluster's configuration and
 * plugins folder. On its own the client reads {@code $FLINK_CONF_DIR/config.yaml} when that is set (the same
 * {@code s3.endpoint}, {@code s3.access-key}, … keys as the cluster) and the plugins under {@code $FLINK_PLUGINS_DIR}
 * (default {@code ./plugins}), and the local MiniCluster then uses them too.
 */
final class ClientFileSystems {

    private ClientFileSystems() {}

    static void initialize() {
        if (StreamExecutionEnvironment.getExecutionEnvironment() instanceof StreamContextEnvironment) {
            return; // under flink run
        }
        String confDir = System.getenv("FLINK_CONF_DIR");
        Configuration conf = confDir == null ? new Configuration() : GlobalConfiguration.loadConfiguration(confDir);
        // No plugins folder (a plain CLI run): no plugin manager, so Flink does not warn that the folder is missing.
        String dir = System.getenv()
                .getOrDefault(ConfigConstants.ENV_FLINK_PLUGINS_DIR, ConfigConstants.DEFAULT_FLINK_PLUGINS_DIRS);
        boolean plugins = Files.isDirectory(Path.of(dir));
        FileSystem.initialize(conf, plugins ? PluginUtils.createPluginManagerFromRootFolder(conf) : null);
    }
}
