package dev.flinkembed.jobs.reindex;

import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.embedding.RemoteBackend;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.runtime.InProcessEmbeddingModel;

/**
 * The job's model as the index records it: the name to pass as {@code --model} and the fingerprint its vectors carry.
 * For an in-process model the client opens it once to learn the fingerprint (in a local run the job then shares the
 * same weights; on a cluster the client needs the model's memory once).
 */
public record ModelIdentity(String model, String fingerprint) {

    public static ModelIdentity of(EmbeddingOptions embedding) {
        if (embedding.isRemote()) {
            return new ModelIdentity(
                    RemoteBackend.name(embedding.remote()),
                    RemoteBackend.fingerprint(embedding.remote(), embedding.model()));
        }
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelFolderCache.localize(embedding.model()))) {
            return new ModelIdentity(embedding.model().model(), m.info().fingerprint());
        }
    }
}
