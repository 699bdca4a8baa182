package dev.flinkembed.jobs.cli;

import dev.flinkembed.jobs.serve.EmbeddingServer;
import dev.flinkembed.jobs.serve.ServeOptions;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model with OpenAI's embeddings API: POST /v1/embeddings, GET /v1/models, GET /health, "
                + "GET /metrics (Prometheus). Concurrent requests are batched together by token budget.",
                "Texts are embedded as documents; send \"input_type\": \"query\" to apply the model's query "
                        + "instruction (Qwen3) or query prefix (E5). Runs until Ctrl-C."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = ModelOptions.DEFAULT_MODEL,
            description = "builtin:all-minilm-l6-v2 (default) or a Hugging Face model folder.")
    String model;

    @Option(names = "--port", defaultValue = "" + ServeOptions.DEFAULT_PORT, description = "Port (default 8080; 0: any free port).")
    int port;

    @Option(names = "--host", defaultValue = ServeOptions.DEFAULT_HOST, description = "Address to bind (default 127.0.0.1; "
            + "0.0.0.0 for every interface).")
    String host;

    @Option(names = "--served-model-name", description = "The model id clients send (default: the model's name, "
            + "e.g. all-minilm-l6-v2 or the folder name).")
    String servedName;

    @Option(names = "--instruction", description = "Query instruction of instruction-tuned models (Qwen3).")
    String instruction;

    @Option(names = "--max-queued-inputs", defaultValue = "" + ServeOptions.DEFAULT_MAX_QUEUED_INPUTS, description = "Inputs admitted at once; beyond "
            + "that requests get 429 with Retry-After (default 4096).")
    int maxQueued;

    @Option(names = "--max-inputs-per-request", defaultValue = "" + ServeOptions.DEFAULT_MAX_INPUTS_PER_REQUEST, description = "Default 2048, as OpenAI.")
    int maxInputs;

    @Option(names = "--flush-tokens", defaultValue = "" + ServeOptions.DEFAULT_FLUSH_TOKENS, description = "Tokens that trigger a model run "
            + "(default 16384).")
    long flushTokens;

    @Option(names = "--max-wait", defaultValue = "" + ServeOptions.DEFAULT_MAX_WAIT_MILLIS, description = "Milliseconds an input waits for company "
            + "(default 5).")
    long maxWait;

    @Option(names = "--threads", defaultValue = "" + ServeOptions.DEFAULT_THREADS, description = "HTTP worker threads (default 64).")
    int threads;

    @Override
    public Integer call() throws Exception {
        ModelOptions options = ModelOptions.defaults(model).withInstruction(instruction);
        String name = servedName != null ? servedName : defaultName(model);
        try (EmbeddingServer server = EmbeddingServer.start(ServeOptions.builder(options, name).host(host).port(port)
                .maxQueuedInputs(maxQueued).maxInputsPerRequest(maxInputs).flushTokens(flushTokens)
                .maxWaitMillis(maxWait).threads(threads).build())) {
            System.out.println("flink-embed serve: " + server.url() + "/embeddings (model '" + name + "')");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }

    static String defaultName(String model) {
        return BuiltinModels.isBuiltin(model) ? model.substring(BuiltinModels.PREFIX.length())
                : Path.of(model).getFileName().toString();
    }
}
