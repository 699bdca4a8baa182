package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.runtime.InProcessScoringModel;
import dev.flinkembed.runtime.api.ScoringModel;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.remote.RemoteOptions;
import dev.flinkembed.runtime.remote.RemoteScorer;
import dev.flinkembed.runtime.remote.RerankApi;
import dev.flinkembed.runtime.scoring.ChatTemplatePairs;
import java.io.Serializable;
import java.util.function.Function;

/**
 * A configured reranker, serializable (a SQL function ships it to every slot): an in-process model's options, or a
 * remote server's. {@link #open} makes the {@link ScoringModel}.
 */
public record Reranker(
        ModelOptions inProcess, RemoteOptions remote, String remoteApi, boolean qwen3Template, String instruction)
        implements Serializable {

    static Reranker inProcess(ModelOptions options) {
        return new Reranker(options, null, null, false, options.instruction());
    }

    static Reranker remote(RemoteOptions options, RerankApi api, String instruction, boolean qwen3Template) {
        return new Reranker(null, options, api.key(), qwen3Template, instruction);
    }

    /** For messages and output: the folder or the server's model name. */
    public String model() {
        return inProcess != null ? inProcess.model() : remote.model();
    }

    public ScoringModel open() {
        if (inProcess != null) {
            return InProcessScoringModel.open(ModelFolderCache.localize(inProcess));
        }
        Function<String, String> query = Function.identity();
        Function<String, String> document = Function.identity();
        if (qwen3Template) {
            query = q -> ChatTemplatePairs.serverQuery(instruction, q);
            document = ChatTemplatePairs::serverDocument;
        }
        return new RemoteScorer(remote, RerankApi.parse(remoteApi), query, document);
    }
}
