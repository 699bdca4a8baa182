package dev.flinkembed.operators.embedding;

import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.runtime.api.BatchStats;
import dev.flinkembed.runtime.loading.ModelLoader;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.remote.RemoteEmbedder;
import dev.flinkembed.runtime.remote.RemoteOptions;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * One slot's remote embedder with the local tokenizer it sizes requests with (no weights are loaded). Documents are
 * sent with {@code model.document-prefix} (E5's "passage: "); instruction-tuned models embed documents raw.
 */
public final class RemoteBackend implements EmbeddingBackend {

    private final ModelTokenizer tokenizer;
    private final RemoteEmbedder embedder;
    private final String name;
    private final String fingerprint;
    private final int dimensions;

    private RemoteBackend(
            ModelTokenizer tokenizer, RemoteEmbedder embedder, String name, String fingerprint, int dimensions) {
        this.dimensions = dimensions;
        this.tokenizer = tokenizer;
        this.embedder = embedder;
        this.name = name;
        this.fingerprint = fingerprint;
    }

    static RemoteBackend open(ModelOptions model, RemoteOptions remote, Consumer<BatchStats> listener, String thread) {
        ModelTokenizer tokenizer = ModelLoader.loadTokenizer(ModelFolderCache.localize(model));
        String prefix = documentPrefix(model);
        RemoteEmbedder embedder = new RemoteEmbedder(
                remote, in -> prefix + in.text(), text -> tokenizer.encode(text).ids().length, listener, thread);
        return new RemoteBackend(
                tokenizer,
                embedder,
                name(remote),
                fingerprint(remote, model),
                remote.dimensions() == null ? 0 : remote.dimensions());
    }

    /** The lineage name of vectors from a remote server. */
    public static String name(RemoteOptions remote) {
        return "remote:" + remote.model();
    }

    private static String documentPrefix(ModelOptions model) {
        return model.documentPrefix() == null ? "" : model.documentPrefix();
    }

    /** The server's weights cannot be hashed from here: the lineage names what decides the vectors instead. */
    public static String fingerprint(RemoteOptions remote, ModelOptions model) {
        String what = "remote|" + remote.model() + "|dimensions=" + remote.dimensions() + "|document-prefix="
                + documentPrefix(model);
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(what.getBytes(StandardCharsets.UTF_8));
            return "remote-" + HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public RemoteEmbedder embedder() {
        return embedder;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public void close() {
        embedder.close();
        tokenizer.close();
    }
}
