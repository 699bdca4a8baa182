package dev.flinkembed.operators.files;

import java.net.URI;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.fs.local.LocalFileSystem;

/**
 * {@code localasremote:///path}: the local disk under a scheme that is not {@code file}, so that the model cache treats
 * a local folder as remote (its logic tested without a network; the S3 path runs in ObjectStorageOnClusterIT).
 */
public final class LocalAsRemoteFileSystemFactory implements FileSystemFactory {

    @Override
    public String getScheme() {
        return "localasremote";
    }

    @Override
    public FileSystem create(URI fsUri) {
        return LocalFileSystem.getSharedInstance();
    }
}
