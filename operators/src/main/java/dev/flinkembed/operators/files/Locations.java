package dev.flinkembed.operators.files;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.UnsupportedFileSystemSchemeException;

/**
 * Where a path option points: a plain local path ({@code data/in}, {@code /data/in}) or a URI of any file system Flink
 * has on the cluster ({@code s3://bucket/prefix/}, {@code hdfs://nn/path}, {@code gs://…}, {@code file:///…}). Every
 * path the jobs read or write goes through here and Flink's {@link FileSystem}, so object storage works wherever a
 * local folder does.
 */
public final class Locations {

    /** A URI scheme of two or more letters (one letter is a Windows drive, which is a local path). */
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]+:.*");

    private Locations() {}

    /** True when {@code location} names a URI with a scheme rather than a plain local path. */
    public static boolean isUri(String location) {
        return SCHEME.matcher(location).matches();
    }

    /** The location as Flink's path: URIs as they are (a trailing slash dropped), local paths made absolute. */
    public static Path of(String location) {
        if (isUri(location)) {
            String trimmed = location.length() > 1 && location.endsWith("/") && !location.endsWith("://")
                    ? location.substring(0, location.length() - 1)
                    : location;
            return new Path(URI.create(trimmed));
        }
        return new Path(
                java.nio.file.Path.of(location).toAbsolutePath().normalize().toUri());
    }

    /** How a path is shown to users: a local file as its plain path, anything else as its URI. */
    public static String display(Path path) {
        URI uri = path.toUri();
        return "file".equals(uri.getScheme()) ? uri.getPath() : path.toString();
    }

    /**
     * The file system of {@code path}; for a scheme without its plugin Flink throws an
     * UnsupportedFileSystemSchemeException naming the plugin, which {@link #reason} passes on.
     */
    public static FileSystem fileSystem(Path path) throws IOException {
        return path.getFileSystem();
    }

    /**
     * Why an operation on a location failed, in one line for a configuration error: Flink's own words for a
     * missing plugin (it names the plugin and the plugins folder), "does not exist", "access denied" (wrong
     * credentials or permissions), or the file system's message — never credentials, which no file system puts in
     * its messages.
     */
    public static String reason(Throwable e) {
        if (e instanceof UnsupportedFileSystemSchemeException) {
            return e.getMessage();
        }
        if (e instanceof FileNotFoundException) {
            return "does not exist";
        }
        if (e instanceof AccessDeniedException || String.valueOf(e.getMessage()).contains("Status Code: 403")) {
            return "access denied (check the credentials and permissions of the file system: "
                    + firstLine(e.getMessage()) + ")";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
        if (message.contains("NoSuchBucket")) { // S3's 404 for the bucket itself
            return "the bucket does not exist (" + message + ")";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String rootMessage = firstLine(String.valueOf(root.getMessage()));
        return root == e || message.contains(rootMessage)
                ? message
                : message + " (" + root.getClass().getSimpleName() + ": " + rootMessage + ")";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
