package dev.flinkembed.serve;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated rerank body, in either shape, parsed as a stream with the limits checked as tokens come (as
 * {@link EmbeddingsRequest}):
 * <ul>
 *   <li>{@code POST /v1/rerank} (vLLM, Jina, Cohere): {@code model}, {@code query}, {@code documents} (strings),
 *   {@code top_n} (0 or absent: all), {@code return_documents} (default true), {@code truncate_prompt_tokens} (vLLM:
 *   any value lets a pair longer than the model's limit be cut instead of refused).
 *   <li>{@code POST /rerank} (TEI): {@code query}, {@code texts}, {@code truncate} (default false), {@code raw_scores}
 *   (only false), {@code return_text} (default false).
 *   <li>{@code POST /v1/score} (vLLM): {@code model}, {@code text_1} and {@code text_2}, each a string or a list — one
 *   query and one or many documents, or as many queries as documents (pairs) — and {@code truncate_prompt_tokens}.
 * </ul>
 * {@code queries} holds one query for every document, or as many as there are documents.
 */
record RerankRequest(
        List<String> queries, List<String> documents, int topN, boolean returnDocuments, boolean truncate) {

    enum Shape {
        VLLM,
        TEI,
        SCORE
    }

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(EmbeddingsRequest.MAX_NESTING)
                    .build())
            .build();

    static RerankRequest parse(InputStream body, Shape shape, int maxDocuments, List<String> modelNames) {
        try (JsonParser p = JSON.createParser(body)) {
            return parse(p, shape, maxDocuments, modelNames);
        } catch (JacksonException e) {
            throw ApiError.badRequest(
                    null,
                    "malformed JSON body: "
                            + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RerankRequest parse(JsonParser p, Shape shape, int maxDocuments, List<String> modelNames)
            throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw ApiError.badRequest(null, "the body must be a JSON object");
        }
        String documentsField = shape == Shape.TEI ? "texts" : shape == Shape.SCORE ? "text_2" : "documents";
        String queryField = shape == Shape.SCORE ? "text_1" : "query";
        List<String> queries = null;
        List<String> documents = null;
        int topN = 0;
        boolean returnDocuments = shape == Shape.VLLM;
        boolean truncate = false;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals(documentsField)) {
                documents = shape == Shape.SCORE && value == JsonToken.VALUE_STRING
                        ? List.of(p.getText())
                        : documents(p, value, documentsField, maxDocuments);
                continue;
            }
            if (field.equals(queryField)) {
                queries = shape == Shape.SCORE && value == JsonToken.START_ARRAY
                        ? documents(p, value, queryField, maxDocuments)
                        : List.of(string(p, value, queryField));
                continue;
            }
            switch (field) {
                case "model" -> checkModel(p, value, modelNames);
                case "top_n" -> topN = shape == Shape.VLLM ? topN(p, value) : skip(p, 0);
                case "return_documents" ->
                    returnDocuments = shape == Shape.VLLM ? bool(p, value, field) : skip(p, true);
                case "return_text" -> returnDocuments = shape == Shape.TEI ? bool(p, value, field) : skip(p, false);
                case "truncate" -> truncate = shape == Shape.TEI ? bool(p, value, field) : skip(p, false);
                case "truncate_prompt_tokens" -> truncate = shape != Shape.TEI && value != JsonToken.VALUE_NULL;
                case "raw_scores" -> {
                    if (shape == Shape.TEI && value == JsonToken.VALUE_TRUE) {
                        throw ApiError.badRequest(
                                "raw_scores", "raw_scores is not supported: scores are the model's probabilities");
                    }
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        if (queries == null || queries.isEmpty()) {
            throw ApiError.badRequest(queryField, "'" + queryField + "' is required: a string");
        }
        if (documents == null || documents.isEmpty()) {
            throw ApiError.badRequest(
                    documentsField, "'" + documentsField + "' is required: a non-empty array of strings");
        }
        if (queries.size() != 1 && queries.size() != documents.size()) {
            throw ApiError.badRequest(
                    queryField,
                    "'text_1' holds " + queries.size() + " texts and 'text_2' " + documents.size() + ": score one "
                            + "against one, one against many, or pairs of lists of the same length");
        }
        return new RerankRequest(queries, documents, topN, returnDocuments, truncate);
    }

    private static <T> T skip(JsonParser p, T value) throws IOException {
        p.skipChildren();
        return value;
    }

    private static String string(JsonParser p, JsonToken value, String field) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            throw ApiError.badRequest(
                    field, "'" + field + "' must be a string, found " + EmbeddingsRequest.describe(value));
        }
        return p.getText();
    }

    private static boolean bool(JsonParser p, JsonToken value, String field) {
        if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
            throw ApiError.badRequest(
                    field, "'" + field + "' must be true or false, found " + EmbeddingsRequest.describe(value));
        }
        return value == JsonToken.VALUE_TRUE;
    }

    private static int topN(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (value != JsonToken.VALUE_NUMBER_INT
                || p.getNumberType() != JsonParser.NumberType.INT
                || p.getIntValue() < 0) {
            throw ApiError.badRequest("top_n", "'top_n' must be a non-negative integer (0: all documents)");
        }
        return p.getIntValue();
    }

    private static void checkModel(JsonParser p, JsonToken value, List<String> names) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        String model = string(p, value, "model");
        if (!names.contains(model)) {
            throw new ApiError(
                    404,
                    "NotFoundError",
                    "model",
                    "The model `" + EmbeddingsRequest.abbreviate(model) + "` does not exist; this server reranks with `"
                            + names.get(0) + "`");
        }
    }

    private static List<String> documents(JsonParser p, JsonToken value, String field, int max) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw ApiError.badRequest(field, "'" + field + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_STRING) {
                throw ApiError.badRequest(
                        field, "'" + field + "' must be an array of strings, found " + EmbeddingsRequest.describe(t));
            }
            if (out.size() == max) {
                throw ApiError.badRequest(
                        field, "more than " + max + " documents in one request; at most " + max + " are accepted");
            }
            out.add(p.getText());
        }
        return out;
    }
}
