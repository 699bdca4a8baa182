package dev.flinkembed.runtime.api;

import java.util.concurrent.CompletableFuture;

/**
 * Embeds single inputs asynchronously, batching them behind the scenes: the in-process {@code MicroBatcher} or the
 * remote {@code RemoteEmbedder}. Each future completes exactly once; {@link #close} fails what is still pending.
 */
public interface AsyncEmbedder extends AutoCloseable {

    CompletableFuture<Embedding> submit(EmbeddingInput input);

    @Override
    void close();
}
