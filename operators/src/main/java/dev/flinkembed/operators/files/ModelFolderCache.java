package dev.flinkembed.operators.files;

import dev.flinkembed.runtime.loading.ModelLoader;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.flink.core.fs.FSDataInputStream;
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
 * default {@code <java.io.tmpdir>/flink-embed-models-<user>}), one folder per URI. The cache folder is private: made
 * with mode 0700, and refused when it is a symbolic link, belongs to another user or others may write to it (a model
 * someone else can swap is code someone else runs). Nothing in it is reached through a symbolic link, and every
 * copied file must resolve inside its model folder (a remote name such as {@code ../x} is refused). A copy is made under a file lock (several slots, TaskManagers and jobs may ask at once; the first
 * copies, the others wait and reuse it), written to a temporary folder, each file's SHA-256 computed while it
 * downloads and again from the local disk, sizes compared with the remote listing, and only then moved into place
 * with a manifest. Later jobs reuse the copy while the remote files' names, sizes and modification times are those
 * in the manifest; a changed model is copied again. Before a JVM first reuses a copy, every local file's SHA-256 is
 * checked against the manifest (a full re-hash, not size and modification time: a tampered file may keep both; it
 * costs about a second per GB once per TaskManager, next to the minutes a copy takes): a file that differs is logged
 * and the model is copied again.
 */
public final class ModelFolderCache {

    private static final Logger LOG = LoggerFactory.getLogger(ModelFolderCache.class);
    private static final String MANIFEST = ".flink-embed-manifest";
    /** One copy at a time per URI within this JVM (a FileLock is held per JVM, not per thread). */
    private static final Map<String, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private static final AtomicLong COPIES = new AtomicLong();
    /** Local copies whose files this JVM re-hashed against their manifest (once per JVM is enough). */
    private static final Set<java.nio.file.Path> VERIFIED = ConcurrentHashMap.newKeySet();

    private ModelFolderCache() {}

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

    /** A model's config.json is a few kB; anything larger is not one. */
    static final int MAX_CONFIG_BYTES = 1 << 20;

    /**
     * The model's hidden size, from its config.json alone: the client learns the vector length of a remote model
     * without copying its weights (they are copied where the model runs, on the TaskManagers).
     */
    public static int hiddenSize(String model) {
        if (!isRemote(model)) {
            return ModelLoader.hiddenSize(model);
        }
        Path config = new Path(Locations.of(model), "config.json");
        try (FSDataInputStream in = config.getFileSystem().open(config)) {
            byte[] bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
            if (bytes.length > MAX_CONFIG_BYTES) {
                throw new IllegalArgumentException(config + " is larger than 1 MiB: not a model's config.json");
            }
            return ModelLoader.hiddenSize(bytes, config.toString());
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("model folder " + model
                    + (folderExists(config.getParent()) ? " has no config.json" : " does not exist"));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + config + ": " + e.getMessage(), e);
        }
    }

    private static boolean folderExists(Path folder) {
        try {
            return folder.getFileSystem().exists(folder);
        } catch (IOException e) {
            return false;
        }
    }

    /** True for a model named by a URI of a file system (not a built-in model, not a plain or file: path). */
    public static boolean isRemote(String model) {
        return Locations.isUri(model) && !model.startsWith("builtin:") && !model.startsWith("file:");
    }

    /** Forgets which copies this JVM re-checked, as a new TaskManager would (tests). */
    static void forgetVerified() {
        VERIFIED.clear();
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
        return configured != null
                ? java.nio.file.Path.of(configured)
                : java.nio.file.Path.of(
                        System.getProperty("java.io.tmpdir"),
                        "flink-embed-models-"
                                + System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9_.-]", "_"));
    }

    /** Creates {@code dir} private (0700) when missing; refuses a link, another owner, or write access for others. */
    static void privateFolder(java.nio.file.Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            throw new IOException(dir + " is a symbolic link: the model cache must be a folder of its own");
        }
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            try {
                if (posix) {
                    Files.createDirectory(
                            dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectory(dir);
                }
            } catch (FileAlreadyExistsException raced) {
                // another slot made it: checked below like any existing one
            }
        }
        if (!posix) {
            return;
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String me = System.getProperty("user.name");
        if (!a.isDirectory() || (me != null && !a.owner().getName().equals(me))) {
            throw new IOException(dir + " belongs to " + a.owner().getName() + ", not to " + me
                    + ": set FLINK_EMBED_MODEL_CACHE to a folder of this user's");
        }
        Set<PosixFilePermission> p = a.permissions();
        if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " may be written by other users (" + PosixFilePermissions.toString(p)
                    + "): chmod 700 it, or set FLINK_EMBED_MODEL_CACHE to a "
                    + "private folder");
        }
    }

    /** The local copy of the folder at {@code uri}, made now if there is none or the remote one changed. */
    public static java.nio.file.Path localCopy(String uri) {
        Path remote = Locations.of(uri);
        String key =
                sha256Hex(remote.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        java.nio.file.Path root = cacheRoot();
        java.nio.file.Path target = root.resolve(key).resolve(remote.getName());
        synchronized (JVM_LOCKS.computeIfAbsent(key, k -> new Object())) {
            try {
                privateFolder(root);
                try (FileChannel lockFile = FileChannel.open(
                                root.resolve(key + ".lock"),
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE,
                                LinkOption.NOFOLLOW_LINKS);
                        FileLock ignored = lockFile.lock()) {
                    List<RemoteFile> files = list(remote);
                    String manifest = manifest(files);
                    refuseLinks(root.resolve(key));
                    java.nio.file.Path manifestFile = target.resolve(MANIFEST);
                    if (Files.isRegularFile(manifestFile, LinkOption.NOFOLLOW_LINKS)
                            && manifestOf(Files.readString(manifestFile)).equals(manifest)
                            && intact(uri, target, Files.readString(manifestFile))) {
                        LOG.info("Model {}: reusing the local copy {}", uri, target);
                        return target;
                    }
                    copy(uri, files, target, manifest);
                    return target;
                }
            } catch (IOException e) { // the model's location is configuration: its fault is named with it
                throw new IllegalArgumentException(
                        "model '" + uri + "' cannot be copied to " + target + ": " + Locations.reason(e), e);
            }
        }
    }

    /** A remote file, its path relative to the folder and what was measured while copying it. */
    private record RemoteFile(FileStatus status, String relative) {}

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
        Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
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
            s.append(f.relative())
                    .append('\t')
                    .append(f.status().getLen())
                    .append('\t')
                    .append(f.status().getModificationTime())
                    .append('\n');
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
            java.nio.file.Path local = partial.resolve(f.relative()).normalize();
            if (!local.startsWith(partial) || local.equals(partial)) {
                throw new IOException("remote file '" + f.relative() + "' would be written outside the model folder");
            }
            Files.createDirectories(local.getParent());
            MessageDigest downloaded = sha256();
            try (InputStream in = new DigestInputStream(
                            f.status().getPath().getFileSystem().open(f.status().getPath()), downloaded);
                    OutputStream out = Files.newOutputStream(
                            local,
                            StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS)) {
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
                throw new IOException(
                        f.relative() + ": SHA-256 " + onDisk + " on the local disk, " + hash + " as downloaded");
            }
            written.append(lines[i]).append('\t').append(hash).append('\n');
            bytes += size;
        }
        Files.writeString(partial.resolve(MANIFEST), written.toString());
        deleteRecursively(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        COPIES.incrementAndGet();
        VERIFIED.add(target); // hashed twice while copying
        LOG.info(
                "Model {}: copied {} files ({} MB) to {} in {} ms, sizes and SHA-256 verified",
                uri,
                files.size(),
                bytes >> 20,
                target,
                (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Whether every file the manifest lists is in {@code target} with its SHA-256 (once per JVM; a copy this JVM made is
     * known intact). A file that differs, is missing or is a link is logged: the caller copies the model again.
     */
    private static boolean intact(String uri, java.nio.file.Path target, String manifest) throws IOException {
        if (VERIFIED.contains(target)) {
            return true;
        }
        long start = System.nanoTime();
        long bytes = 0;
        for (String line : manifest.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            java.nio.file.Path local = target.resolve(cols[0]).normalize();
            String hash = cols[cols.length - 1];
            if (!local.startsWith(target)
                    || !Files.isRegularFile(local, LinkOption.NOFOLLOW_LINKS)
                    || !sha256Of(local).equals(hash)) {
                LOG.warn(
                        "Model {}: the local copy of {} in {} is missing, a link or not what was copied (SHA-256 "
                                + "differs from the manifest): copying the model again",
                        uri,
                        cols[0],
                        target);
                return false;
            }
            bytes += Files.size(local);
        }
        VERIFIED.add(target);
        LOG.info(
                "Model {}: {} MB of the local copy re-checked against their SHA-256 in {} ms",
                uri,
                bytes >> 20,
                (System.nanoTime() - start) / 1_000_000);
        return true;
    }

    /** Refuses a cache entry reached through a symbolic link anywhere below {@code dir} (never followed). */
    private static void refuseLinks(java.nio.file.Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<java.nio.file.Path> all = Files.walk(dir)) {
            for (java.nio.file.Path p : all.toList()) {
                if (Files.isSymbolicLink(p)) {
                    throw new IOException(p + " is a symbolic link: the model cache holds none; remove it");
                }
            }
        }
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
            for (java.nio.file.Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
