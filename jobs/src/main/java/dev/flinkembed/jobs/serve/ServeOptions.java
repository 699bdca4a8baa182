package dev.flinkembed.jobs.serve;

import dev.flinkembed.runtime.loading.ModelOptions;

/**
 * The embedding server's settings.
 *
 * @param servedName       the model id clients send and {@code /v1/models} lists
 * @param maxQueuedInputs  inputs admitted and not yet answered at most; beyond that requests get 429 + Retry-After
 * @param maxInputsPerRequest inputs in one request at most (400 beyond)
 * @param flushTokens      the micro-batcher runs the model once this many tokens wait (requests batched together)
 * @param maxWaitMillis    ... or once the oldest input waited this long
 */
public record ServeOptions(ModelOptions model, String servedName, String host, int port, int maxQueuedInputs,
                           int maxInputsPerRequest, long flushTokens, long maxWaitMillis, int threads) {
}
