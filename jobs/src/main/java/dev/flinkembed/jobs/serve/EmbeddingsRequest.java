package dev.flinkembed.jobs.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated {@code POST /v1/embeddings} body: {@code input} (a string or an array of strings), {@code model},
 * {@code dimensions}, {@code encoding_format} ({@code float} or {@code base64}); and flink-embed's extension
 * {@code input_type} ({@code document}, the default, or {@code query}: the model's query instruction or prefix).
 */
record EmbeddingsRequest(List<String> inputs, Integer dimensions, boolean base64, boolean query) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static EmbeddingsRequest parse(byte[] body, ServeOptions options, int modelDimensions) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw ApiError.badRequest(null, "malformed JSON body: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw ApiError.badRequest(null, "the body must be a JSON object");
        }
        JsonNode model = root.get("model");
        if (model != null && !model.isNull() && !model.asText().equals(options.servedName())
                && !model.asText().equals(options.model().model())) {
            throw new ApiError(404, "NotFoundError", "model", "The model `" + model.asText() + "` does not exist; "
                    + "this server serves `" + options.servedName() + "`");
        }
        List<String> inputs = new ArrayList<>();
        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw ApiError.badRequest("input", "'input' is required: a string or an array of strings");
        } else if (input.isTextual()) {
            inputs.add(input.asText());
        } else if (input.isArray()) {
            for (JsonNode in : input) {
                if (!in.isTextual()) {
                    throw ApiError.badRequest("input", "'input' must be a string or an array of strings (token ids "
                            + "are not accepted), found " + in.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
                }
                inputs.add(in.asText());
            }
        } else {
            throw ApiError.badRequest("input", "'input' must be a string or an array of strings");
        }
        if (inputs.isEmpty()) {
            throw ApiError.badRequest("input", "'input' is empty");
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).isEmpty()) {
                throw ApiError.badRequest("input", "input " + i + " is an empty string");
            }
        }
        if (inputs.size() > options.maxInputsPerRequest()) {
            throw ApiError.badRequest("input", inputs.size() + " inputs in one request; at most "
                    + options.maxInputsPerRequest() + " are accepted");
        }
        Integer dimensions = null;
        JsonNode dims = root.get("dimensions");
        if (dims != null && !dims.isNull()) {
            if (!dims.canConvertToInt() || !dims.isIntegralNumber() || dims.asInt() < 1 || dims.asInt() > modelDimensions) {
                throw ApiError.badRequest("dimensions", "'dimensions' must be an integer from 1 to " + modelDimensions
                        + ", got " + dims);
            }
            dimensions = dims.asInt();
        }
        String format = root.path("encoding_format").asText("float");
        if (root.hasNonNull("encoding_format") && !format.equals("float") && !format.equals("base64")) {
            throw ApiError.badRequest("encoding_format", "'encoding_format' must be float or base64, got " + format);
        }
        String type = root.path("input_type").asText("document");
        if (!type.equals("document") && !type.equals("query")) {
            throw ApiError.badRequest("input_type", "'input_type' must be document or query, got " + type);
        }
        return new EmbeddingsRequest(inputs, dimensions, format.equals("base64"), type.equals("query"));
    }
}
