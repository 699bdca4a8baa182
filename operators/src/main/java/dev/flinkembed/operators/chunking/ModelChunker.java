package dev.flinkembed.operators.chunking;

import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.ModelInfo;
import dev.flinkembed.runtime.loading.ModelLoader;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;

/**
 * A {@link Chunker} with the model's own tokenizer, for an operator's lifetime: leased from the JVM's shared model (no
 * extra weights: the embedding operator of the slot holds the same), or, when the vectors come from a remote server,
 * the tokenizer alone.
 */
public final class ModelChunker implements AutoCloseable {

    private final InProcessEmbeddingModel lease;
    private final ModelTokenizer ownTokenizer;
    private final Chunker chunker;
    private final String documentPrefix;

    private ModelChunker(
            InProcessEmbeddingModel lease, ModelTokenizer ownTokenizer, ChunkingOptions options, String prefix) {
        this.documentPrefix = prefix == null ? "" : prefix;
        this.lease = lease;
        this.ownTokenizer = ownTokenizer;
        this.chunker = new Chunker(lease != null ? lease.tokenizer() : ownTokenizer, options);
    }

    /** With the embedding set-up's tokenizer: the tokenizer alone when the vectors come from a remote server. */
    public static ModelChunker open(EmbeddingOptions embedding, ChunkingOptions options) {
        ModelOptions model = ModelFolderCache.localize(embedding.model());
        return embedding.isRemote()
                ? new ModelChunker(null, ModelLoader.loadTokenizer(model), options, model.documentPrefix())
                : new ModelChunker(InProcessEmbeddingModel.open(model), null, options, null);
    }

    public Chunker chunker() {
        return chunker;
    }

    /**
     * The tokens the model reads for a chunk's {@code embedText} as a document (special tokens included), as the
     * embedding stage counts them: the model's own prompt, or the remote backend's document prefix and tokenizer.
     */
    public int tokenCount(String embedText) {
        return lease != null
                ? lease.prepare(EmbeddingInput.document(embedText)).tokenCount()
                : ownTokenizer.encode(documentPrefix + embedText).ids().length;
    }

    /** The in-process model's description (fingerprint included); null when only the tokenizer was loaded. */
    public ModelInfo modelInfo() {
        return lease == null ? null : lease.info();
    }

    @Override
    public void close() {
        if (lease != null) {
            lease.close();
        }
        if (ownTokenizer != null) {
            ownTokenizer.close();
        }
    }
}
