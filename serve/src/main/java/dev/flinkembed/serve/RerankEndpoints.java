package dev.flinkembed.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.flinkembed.runtime.api.Score;
import dev.flinkembed.runtime.api.ScoringModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * {@code POST /v1/rerank} (vLLM/Jina/Cohere shape) and {@code POST /rerank} (TEI shape) over one scoring model,
 * in-process or remote, behind the server's key, body-size limit, queue limit and metrics. Results are sorted by
 * score, best first, each with the document's index in the request. The model scores one request at a time (its
 * batches are the request's documents).
 */
final class RerankEndpoints {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScoringModel model;
    private final String servedName;
    private final ServeOptions options;
    private final ServerMetrics metrics;
    private final AtomicInteger queued;

    RerankEndpoints(
            ScoringModel model, String servedName, ServeOptions options, ServerMetrics metrics, AtomicInteger queued) {
        this.model = model;
        this.servedName = servedName;
        this.options = options;
        this.metrics = metrics;
        this.queued = queued;
    }

    String servedName() {
        return servedName;
    }

    ScoringModel model() {
        return model;
    }

    String vllm(HttpExchange ex) {
        long start = System.nanoTime();
        RerankRequest req = parse(ex, RerankRequest.Shape.VLLM);
        List<Score> scores = score(req);
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "rerank-" + UUID.randomUUID().toString().replace("-", ""));
        body.put("model", servedName);
        long tokens = scores.stream().mapToLong(s -> Math.max(0, s.tokens())).sum();
        body.putObject("usage").put("total_tokens", tokens);
        ArrayNode results = body.putArray("results");
        for (int i : ranking(scores, req.topN())) {
            ObjectNode r = results.addObject().put("index", i);
            if (req.returnDocuments()) {
                r.putObject("document").put("text", req.documents().get(i));
            }
            r.put("relevance_score", scores.get(i).score());
        }
        metrics.scored(scores.size(), System.nanoTime() - start);
        return body.toString();
    }

    String tei(HttpExchange ex) {
        long start = System.nanoTime();
        RerankRequest req = parse(ex, RerankRequest.Shape.TEI);
        List<Score> scores = score(req);
        ArrayNode body = JSON.createArrayNode();
        for (int i : ranking(scores, 0)) {
            ObjectNode r = body.addObject().put("index", i);
            if (req.returnDocuments()) {
                r.put("text", req.documents().get(i));
            }
            r.put("score", scores.get(i).score());
        }
        metrics.scored(scores.size(), System.nanoTime() - start);
        return body.toString();
    }

    /** vLLM's {@code /v1/score}: one score per document (or pair), in the request's order. */
    String vllmScore(HttpExchange ex) {
        long start = System.nanoTime();
        RerankRequest req = parse(ex, RerankRequest.Shape.SCORE);
        List<Score> scores = score(req);
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "score-" + UUID.randomUUID().toString().replace("-", ""));
        body.put("object", "list");
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("model", servedName);
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < scores.size(); i++) {
            data.addObject()
                    .put("index", i)
                    .put("object", "score")
                    .put("score", scores.get(i).score());
        }
        long tokens = scores.stream().mapToLong(s -> Math.max(0, s.tokens())).sum();
        body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        metrics.scored(scores.size(), System.nanoTime() - start);
        return body.toString();
    }

    private RerankRequest parse(HttpExchange ex, RerankRequest.Shape shape) {
        return RerankRequest.parse(
                RequestLimits.body(ex, options),
                shape,
                options.maxInputsPerRequest(),
                List.of(servedName, model.info().name()));
    }

    /** Admitted against the same queue limit as embeddings, then scored one request at a time. */
    private List<Score> score(RerankRequest req) {
        int n = req.documents().size();
        if (queued.addAndGet(n) > options.maxQueuedInputs()) {
            queued.addAndGet(-n);
            throw ApiError.busy("the server is busy: more than " + options.maxQueuedInputs()
                    + " inputs are queued; retry after a moment");
        }
        try {
            List<Score> scores = scorePairs(req.queries(), req.documents());
            if (!req.truncate()) {
                for (int i = 0; i < scores.size(); i++) {
                    if (scores.get(i).truncated()) {
                        throw ApiError.badRequest(
                                null,
                                "the query with document " + i
                                        + " is longer than the model's maximum context length of "
                                        + model.info().maxTokens() + " tokens; shorten it, or ask for truncation "
                                        + "(truncate: true on /rerank, truncate_prompt_tokens on /v1/rerank)");
                    }
                }
            }
            return scores;
        } finally {
            queued.addAndGet(-n);
        }
    }

    /** One query for all documents, or pairs (scored a distinct query at a time); scores in the documents' order. */
    private synchronized List<Score> scorePairs(List<String> queries, List<String> documents) {
        if (queries.size() == 1) {
            return model.score(queries.get(0), documents);
        }
        Map<String, List<Integer>> byQuery = new LinkedHashMap<>();
        for (int i = 0; i < documents.size(); i++) {
            byQuery.computeIfAbsent(queries.get(i), q -> new ArrayList<>()).add(i);
        }
        Score[] out = new Score[documents.size()];
        byQuery.forEach((query, indexes) -> {
            List<Score> scores =
                    model.score(query, indexes.stream().map(documents::get).toList());
            for (int j = 0; j < indexes.size(); j++) {
                out[indexes.get(j)] = scores.get(j);
            }
        });
        return Arrays.asList(out);
    }

    /** Document indexes by score, best first (ties: request order), the first {@code topN} (0: all). */
    private static List<Integer> ranking(List<Score> scores, int topN) {
        List<Integer> order =
                new ArrayList<>(IntStream.range(0, scores.size()).boxed().toList());
        order.sort(Comparator.comparingDouble((Integer i) -> -scores.get(i).score())
                .thenComparingInt(i -> i));
        return topN > 0 && topN < order.size() ? order.subList(0, topN) : order;
    }
}
