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
import java.util.Locale;

/**
 * A validated {@code POST /v1/embeddings} body: {@code input} (a string or an array of strings), {@code model},
 * {@code dimensions}, {@code encoding_format} ({@code float} or {@code base64}); and flink-embed's extension
 * {@code input_type} ({@code document}, the default, or {@code query}: the model's query instruction or prefix).
 *
 * <p>Parsed as a stream of tokens with the limits checked as they come: the first input that is not a string, the
 * input past {@code maxInputsPerRequest}, a wrong model or nesting deeper than {@value #MAX_NESTING} is refused at
 * once, and unknown fields are skipped without being kept. What a request holds is its input strings, at most the
 * body's size: a hostile body of a million {@code {}} costs no more than a real one (a JSON tree of it cost ~140 bytes
 * per element, 64 such requests ~9 GB).
 */
record EmbeddingsRequest(List<String> inputs, Integer dimensions, boolean base64, boolean query) {

    static final int MAX_NESTING = 16;
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build();

    static EmbeddingsRequest parse(InputStream body, ServeOptions options, int modelDimensions) {
        try (JsonParser p = JSON.createParser(body)) {
            return parse(p, options, modelDimensions);
        } catch (JacksonException e) {
            throw ApiError.badRequest(
                    null,
                    "malformed JSON body: "
                            + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the body could not be read: RequestLimits says why
        }
    }

    private static EmbeddingsRequest parse(JsonParser p, ServeOptions options, int modelDimensions) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw ApiError.badRequest(null, "the body must be a JSON object");
        }
        List<String> inputs = null;
        Integer dimensions = null;
        String format = "float";
        String type = "document";
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "model" -> checkModel(p, value, options);
                case "input" -> inputs = inputs(p, value, options);
                case "dimensions" -> dimensions = dimensions(p, value, modelDimensions);
                case "encoding_format" -> format = choice(p, value, "encoding_format", "float", "base64");
                case "input_type" -> type = choice(p, value, "input_type", "document", "query");
                default -> p.skipChildren(); // unknown fields (user, ...) are ignored, not kept
            }
        }
        if (inputs == null) {
            throw ApiError.badRequest("input", "'input' is required: a string or an array of strings");
        }
        return new EmbeddingsRequest(inputs, dimensions, format.equals("base64"), type.equals("query"));
    }

    private static void checkModel(JsonParser p, JsonToken value, ServeOptions options) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.VALUE_STRING) {
            throw ApiError.badRequest("model", "'model' must be a string");
        }
        String model = p.getText();
        if (!model.equals(options.servedName()) && !model.equals(options.model().model())) {
            throw new ApiError(
                    404,
                    "NotFoundError",
                    "model",
                    "The model `" + abbreviate(model) + "` does not exist; " + "this server serves `"
                            + options.servedName() + "`");
        }
    }

    private static List<String> inputs(JsonParser p, JsonToken value, ServeOptions options) throws IOException {
        List<String> inputs = new ArrayList<>();
        if (value == JsonToken.VALUE_STRING) {
            inputs.add(nonEmpty(p.getText(), 0));
            return inputs;
        }
        if (value != JsonToken.START_ARRAY) {
            throw ApiError.badRequest("input", "'input' must be a string or an array of strings");
        }
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_STRING) {
                throw ApiError.badRequest(
                        "input",
                        "'input' must be a string or an array of strings (token ids " + "are not accepted), found "
                                + describe(t));
            }
            if (inputs.size() == options.maxInputsPerRequest()) {
                throw ApiError.badRequest(
                        "input",
                        "more than " + options.maxInputsPerRequest() + " inputs in one request; at most "
                                + options.maxInputsPerRequest() + " are accepted");
            }
            inputs.add(nonEmpty(p.getText(), inputs.size()));
        }
        if (inputs.isEmpty()) {
            throw ApiError.badRequest("input", "'input' is empty");
        }
        return inputs;
    }

    private static String nonEmpty(String input, int index) {
        if (input.isEmpty()) {
            throw ApiError.badRequest("input", "input " + index + " is an empty string");
        }
        return input;
    }

    private static Integer dimensions(JsonParser p, JsonToken value, int modelDimensions) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_NUMBER_INT
                || p.getNumberType() != JsonParser.NumberType.INT
                || p.getIntValue() < 1
                || p.getIntValue() > modelDimensions) {
            throw ApiError.badRequest(
                    "dimensions",
                    "'dimensions' must be an integer from 1 to " + modelDimensions + ", got "
                            + abbreviate(value.isScalarValue() ? p.getText() : describe(value)));
        }
        return p.getIntValue();
    }

    private static String choice(JsonParser p, JsonToken value, String field, String first, String second)
            throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return first;
        }
        String v = value == JsonToken.VALUE_STRING ? p.getText() : describe(value);
        if (!v.equals(first) && !v.equals(second)) {
            throw ApiError.badRequest(
                    field, "'" + field + "' must be " + first + " or " + second + ", got " + abbreviate(v));
        }
        return v;
    }

    static String describe(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "object";
            case START_ARRAY -> "array";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Client text echoed in an error stays short. */
    static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }
}
