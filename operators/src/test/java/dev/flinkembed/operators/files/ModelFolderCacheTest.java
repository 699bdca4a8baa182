package dev.flinkembed.operators.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.runtime.loading.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A remote model folder is copied once, verified, reused, and copied again when it changes. */
class ModelFolderCacheTest {

    @TempDir
    Path dir;

    Path remote;

    @BeforeEach
    void setUp() throws Exception {
        FileSystem.initialize(new Configuration(), null);
        System.setProperty("flink-embed.model-cache", dir.resolve("cache").toString());
        remote = Files.createDirectories(dir.resolve("bucket/my-model"));
        Files.writeString(remote.resolve("config.json"), "{\"hidden_size\": 8}");
        Files.write(remote.resolve("model.safetensors"), new byte[300_000]);
        Files.createDirectories(remote.resolve("1_Pooling"));
        Files.writeString(remote.resolve("1_Pooling/config.json"), "{\"pooling_mode_mean_tokens\": true}");
    }

    @AfterEach
    void tearDown() {
        System.clearProperty("flink-embed.model-cache");
    }

    private String uri() {
        return "localasremote://" + remote;
    }

    @Test
    void theHiddenSizeOfARemoteModelIsReadWithoutCopyingIt() throws Exception {
        long before = ModelFolderCache.copiesMade();
        assertThat(ModelFolderCache.hiddenSize(uri())).isEqualTo(8);
        assertThat(ModelFolderCache.copiesMade())
                .as("no copy for the vector length")
                .isEqualTo(before);
        assertThat(Files.exists(dir.resolve("cache"))).as("nothing cached").isFalse();
        assertThatThrownBy(() -> ModelFolderCache.hiddenSize("localasremote://" + dir.resolve("nothing-here")))
                .hasMessageContaining("nothing-here does not exist");
        java.nio.file.Files.createDirectories(dir.resolve("empty-model"));
        assertThatThrownBy(() -> ModelFolderCache.hiddenSize("localasremote://" + dir.resolve("empty-model")))
                .hasMessageContaining("empty-model has no config.json");
    }

    @Test
    void copiedOnceBySeveralSlotsAtOnceThenReusedThenCopiedAgainWhenChanged() throws Exception {
        long before = ModelFolderCache.copiesMade();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<ModelOptions>> slots = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            slots.add(pool.submit(() -> ModelFolderCache.localize(ModelOptions.defaults(uri()))));
        }
        List<String> locations = new ArrayList<>();
        for (Future<ModelOptions> f : slots) {
            locations.add(f.get().model());
        }
        pool.shutdown();
        assertThat(ModelFolderCache.copiesMade() - before).as("copies").isEqualTo(1);
        assertThat(locations).containsOnly(locations.get(0));
        Path local = Path.of(locations.get(0));
        assertThat(local.getFileName().toString())
                .as("the model keeps its folder name")
                .isEqualTo("my-model");
        assertThat(local).startsWith(dir.resolve("cache"));
        assertThat(Files.readString(local.resolve("1_Pooling/config.json"))).contains("mean");
        assertThat(Files.size(local.resolve("model.safetensors"))).isEqualTo(300_000);
        assertThat(Files.readString(local.resolve(".flink-embed-manifest")))
                .contains("model.safetensors\t300000\t")
                .containsPattern("\t[0-9a-f]{64}\n");

        ModelFolderCache.localize(ModelOptions.defaults(uri()));
        assertThat(ModelFolderCache.copiesMade() - before).as("reused").isEqualTo(1);

        Files.write(remote.resolve("model.safetensors"), new byte[300_001]);
        Files.setLastModifiedTime(remote.resolve("model.safetensors"), FileTime.fromMillis(1_000_000));
        Path again =
                Path.of(ModelFolderCache.localize(ModelOptions.defaults(uri())).model());
        assertThat(ModelFolderCache.copiesMade() - before)
                .as("the changed model is copied again")
                .isEqualTo(2);
        assertThat(Files.size(again.resolve("model.safetensors"))).isEqualTo(300_001);
    }

    @Test
    void localFoldersAndBuiltinsAreLeftAlone() {
        ModelOptions builtin = ModelOptions.defaults("builtin:all-minilm-l6-v2");
        assertThat(ModelFolderCache.localize(builtin)).isSameAs(builtin);
        ModelOptions local = ModelOptions.defaults(remote.toString());
        assertThat(ModelFolderCache.localize(local)).isSameAs(local);
        assertThat(ModelFolderCache.isRemote("file:///models/x")).isFalse();
        assertThat(ModelFolderCache.isRemote("s3://models/x")).isTrue();
    }

    @Test
    void aMissingFolderOrOneWithoutConfigIsNamed() throws Exception {
        assertThatThrownBy(() -> ModelFolderCache.localName("localasremote://" + dir.resolve("nothing-here")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nothing-here")
                .hasMessageContaining("does not exist");
        Files.delete(remote.resolve("config.json"));
        assertThatThrownBy(() -> ModelFolderCache.localName(uri())).hasMessageContaining("has no config.json");
    }

    /** A cached file changed behind the cache's back, even with its size and time kept, is copied again. */
    @Test
    void aTamperedFileIsFoundByItsHashAndCopiedAgain() throws Exception {
        long before = ModelFolderCache.copiesMade();
        Path local = Path.of(ModelFolderCache.localName(uri()));
        Path weights = local.resolve("model.safetensors");
        FileTime time = Files.getLastModifiedTime(weights);
        byte[] tampered = Files.readAllBytes(weights);
        tampered[1234] = 42;
        Files.write(weights, tampered);
        Files.setLastModifiedTime(weights, time);
        ModelFolderCache.forgetVerified(); // a TaskManager started after the tampering
        assertThat(Path.of(ModelFolderCache.localName(uri()))).isEqualTo(local);
        assertThat(ModelFolderCache.copiesMade() - before).as("copied again").isEqualTo(2);
        assertThat(Files.readAllBytes(weights)[1234]).isZero();
        ModelFolderCache.forgetVerified();
        ModelFolderCache.localName(uri());
        assertThat(ModelFolderCache.copiesMade() - before)
                .as("an intact copy is reused")
                .isEqualTo(2);
    }

    @Test
    void theCacheFolderIsPrivateAndNothingInItIsALink() throws Exception {
        Path local = Path.of(ModelFolderCache.localName(uri()));
        Path root = dir.resolve("cache");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root)))
                .isEqualTo("rwx------");
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> ModelFolderCache.localName(uri()))
                .hasMessageContaining("may be written by other users");
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path moved = local.resolveSibling("moved");
        Files.move(local, moved);
        Files.createSymbolicLink(local, elsewhere);
        assertThatThrownBy(() -> ModelFolderCache.localName(uri())).hasMessageContaining("is a symbolic link");
        assertThat(elsewhere).isEmptyDirectory();

        Path linkedRoot = dir.resolve("linked-cache");
        Files.createSymbolicLink(linkedRoot, elsewhere);
        System.setProperty("flink-embed.model-cache", linkedRoot.toString());
        assertThatThrownBy(() -> ModelFolderCache.localName(uri())).hasMessageContaining("is a symbolic link");
    }
}
