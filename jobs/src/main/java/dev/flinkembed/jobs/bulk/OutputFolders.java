package dev.flinkembed.jobs.bulk;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.files.Locations;
import java.io.IOException;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/** The output folder checks and set-up of the file-writing jobs, through Flink's file systems (local, s3://, …). */
public final class OutputFolders {

    private OutputFolders() {}

    /** Fails when {@code vectors} already holds files: a second run must not mix its vectors with an earlier one's. */
    public static void checkFree(Path vectors) {
        try {
            FileSystem fs = Locations.fileSystem(vectors);
            if (!fs.exists(vectors)) {
                return;
            }
            FileStatus[] inside = fs.listStatus(vectors);
            if (inside != null && inside.length > 0) {
                throw new ConfigException("configuration key 'sink.path': "
                        + Locations.display(vectors.getParent()) + " already holds vectors; choose another --output or "
                        + "remove it");
            }
        } catch (IOException e) {
            throw new ConfigException(
                    "configuration key 'sink.path': '" + Locations.display(vectors) + "' " + Locations.reason(e));
        }
    }

    /**
     * Creates {@code folder} (an empty dead-letter folder after a run means there were none; object stores, which
     * have no empty folders, simply show none).
     */
    public static void create(Path folder) {
        try {
            Locations.fileSystem(folder).mkdirs(folder);
        } catch (IOException e) {
            throw new ConfigException("configuration key 'sink.path': cannot create '" + Locations.display(folder)
                    + "': " + Locations.reason(e));
        }
    }
}
