package dev.flinkembed.runtime;

import dev.flinkembed.runtime.loading.ModelOptions;

/** One instance of the built-in model for the whole test JVM (loading takes seconds). */
public final class SharedBuiltin {

    private static InProcessEmbeddingModel model;

    private SharedBuiltin() {}

    public static synchronized InProcessEmbeddingModel model() {
        if (model == null) {
            model = InProcessEmbeddingModel.open(ModelOptions.defaults(ModelOptions.DEFAULT_MODEL));
        }
        return model;
    }
}
