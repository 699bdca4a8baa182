package dev.flinkembed.operators.files;

import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model folder on a remote file system ({@code model.name: s3://models/qwen3-embedding-0.6b}) copied once into a
 * local cache per machine, then loaded (memory-mapped) from there like any local folder.
 *
 * <p>The cache lives under {@code $FLINK_EMBED_MODEL_CACHE} (or the system property {@code flink-embed.model-cache};
 * default {@code <java.io.tmpdir>/flink-embed-models}), one
 * folder per URI. A copy is made under a file lock (several slots, TaskManagers and jobs may ask at once; the first
 * copies, the others wait and reuse it), written to a temporary folder, each file's SHA-256 computed while it
 * downloads and again from the local disk, sizes compared with the remote listing, and only then moved into place
 * with a manifest. Later jobs reuse the copy while the remote files' names, sizes and modification times are those
 * in the manifest; a changed model is copied again.
 */
public final class ModelFolderCache {

    private static final Logger LOG = LoggerFactory.getLogger(ModelFolderCache.class);
    private static final String MANIFEST = ".flink-embed-manifest";
    /** One copy at a time per URI within this JVM (a FileLock is held per JVM, not per thread). */
    private static final Map<String, Object> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicLong COPIES = new java.util.concurrent.atomic.AtomicLong();

    private ModelFolderCache() {
    }

    /** {@code options} with a remote model folder replaced by its local copy; local folders and built-ins as they are. */
    public static ModelOptions localize(ModelOptions options) {
        if (!isRemote(options.model())) {
            return options;
        }
        return options.withModel(localCopy(options.model()).toString());
    }

    /** The local location of {@code model}: its cached copy when it is remote, else the name itself. */
    public static String localName(String model) {
        return isRemote(model) ? localCopy(model).toString() : model;
    }

    /** True for a model named by a URI of a file system (not a built-in model, not a plain or file: path). */
    public static boolean isRemote(String model) {
        return Locations.isUri(model) && !model.startsWith("builtin:") && !model.startsWith("file:");
    }

    /** Copies made by this JVM so far (each logged). */
    public static long copiesMade() {
        return COPIES.get();
    }

    public static java.nio.file.Path cacheRoot() {
        String property = System.getProperty("flink-embed.model-cache");
        if (property != null) {
            return java.nio.file.Path.of(property);
        }
        String configured = System.getenv("FLINK_EMBED_MODEL_CACHE");
        return configured != null ? java.nio.file.Path.of(configured)
                : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "flink-embed-models");
    }

    /** The local copy of the folder at {@code uri}, made now if there is none or the remote one changed. */
    public static java.nio.file.Path localCopy(String uri) {
        Path remote = Locations.of(uri);
        String key = sha256Hex(remote.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        java.nio.file.Path root = cacheRoot();
        java.nio.file.Path target = root.resolve(key).resolve(remote.getName());
        synchronized (JVM_LOCKS.computeIfAbsent(key, k -> new Object())) {
            try {
                Files.createDirectories(root);
                try (FileChannel lockFile = FileChannel.open(root.resolve(key + ".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
                    List<RemoteFile> files = list(remote);
                    String manifest = manifest(files);
                    java.nio.file.Path manifestFile = target.resolve(MANIFEST);
                    if (Files.isRegularFile(manifestFile) && manifestOf(Files.readString(manifestFile)).equals(manifest)) {
                        LOG.info("Model {}: reusing the local copy {}", uri, target);
                        return target;
                    }
                    copy(uri, files, target, manifest);
                    return target;
                }
            } catch (IOException e) { // the model's location is configuration: its fault is named with it
                throw new IllegalArgumentException("model '" + uri + "' cannot be copied to " + target + ": "
                        + Locations.reason(e), e);
            }
        }
    }

    /** A remote file, its path relative to the folder and what was measured while copying it. */
    private record RemoteFile(FileStatus status, String relative) {
    }

    private static List<RemoteFile> list(Path folder) throws IOException {
        FileSystem fs = Locations.fileSystem(folder);
        FileStatus status = fs.getFileStatus(folder);
        if (!status.isDir()) {
            throw new IOException(folder + " is a file, not a model folder");
        }
        List<RemoteFile> files = new ArrayList<>();
        collect(fs, folder, "", files);
        if (files.stream().noneMatch(f -> f.relative().equals("config.json"))) {
            throw new IOException("model folder " + folder + " has no config.json");
        }
        return files;
    }

    private static void collect(FileSystem fs, Path dir, String prefix, List<RemoteFile> out) throws IOException {
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return;
        }
        java.util.Arrays.sort(children, java.util.Comparator.comparing(s -> s.getPath().getName()));
        for (FileStatus child : children) {
            String name = prefix + child.getPath().getName();
            if (child.isDir()) {
                collect(fs, child.getPath(), name + "/", out);
            } else {
                out.add(new RemoteFile(child, name));
            }
        }
    }

    /** What identifies the remote folder's content without reading it: names, sizes, modification times. */
    private static String manifest(List<RemoteFile> files) {
        StringBuilder s = new StringBuilder();
        for (RemoteFile f : files) {
            s.append(f.relative()).append('\t').append(f.status().getLen()).append('\t')
                    .append(f.status().getModificationTime()).append('\n');
        }
        return s.toString();
    }

    /** The identifying part of a written manifest (its lines without the trailing hash column). */
    private static String manifestOf(String written) {
        StringBuilder s = new StringBuilder();
        for (String line : written.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                s.append(line, 0, line.lastIndexOf('\t')).append('\n');
            }
        }
        return s.toString();
    }

    private static void copy(String uri, List<RemoteFile> files, java.nio.file.Path target, String manifest)
            throws IOException {
        long start = System.nanoTime();
        java.nio.file.Path partial = target.getParent().resolve(target.getFileName() + ".partial");
        deleteRecursively(partial);
        StringBuilder written = new StringBuilder("# path\tsize\tmodified\tsha256\n");
        long bytes = 0;
        String[] lines = manifest.split("\n");
        for (int i = 0; i < files.size(); i++) {
            RemoteFile f = files.get(i);
            java.nio.file.Path local = partial.resolve(f.relative());
            Files.createDirectories(local.getParent());
            MessageDigest downloaded = sha256();
            try (InputStream in = new DigestInputStream(f.status().getPath().getFileSystem().open(f.status().getPath()),
                    downloaded); OutputStream out = Files.newOutputStream(local)) {
                in.transferTo(out);
            }
            long size = Files.size(local);
            if (size != f.status().getLen()) {
                throw new IOException(f.relative() + ": copied " + size + " bytes, the file system lists "
                        + f.status().getLen());
            }
            String hash = HexFormat.of().formatHex(downloaded.digest());
            String onDisk = sha256Of(local);
            if (!hash.equals(onDisk)) {
                throw new IOException(f.relative() + ": SHA-256 " + onDisk + " on the local disk, " + hash
                        + " as downloaded");
            }
            written.append(lines[i]).append('\t').append(hash).append('\n');
            bytes += size;
        }
        Files.writeString(partial.resolve(MANIFEST), written.toString());
        deleteRecursively(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        COPIES.incrementAndGet();
        LOG.info("Model {}: copied {} files ({} MB) to {} in {} ms, sizes and SHA-256 verified", uri, files.size(),
                bytes >> 20, target, (System.nanoTime() - start) / 1_000_000);
    }

    private static String sha256Of(java.nio.file.Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(java.nio.file.Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<java.nio.file.Path> all = Files.walk(dir)) {
            for (java.nio.file.Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
