package dev.flinkembed.runtime.remote;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;

/** OpenAI's {@code /v1/embeddings} wire format, both directions (the client here, the server in {@code serve}). */
public final class EmbeddingsProtocol {

    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Responses may hold NaN or Infinity as bare tokens (Python's json.dumps writes them): read them as such, so that
     * the caller's per-vector check refuses that one input instead of the whole batch failing to parse.
     */
    private static final ObjectMapper LENIENT = new ObjectMapper(JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build());

    private EmbeddingsProtocol() {}

    public static byte[] request(String model, List<String> inputs, Integer dimensions, String encodingFormat) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model", model);
        ArrayNode in = n.putArray("input");
        inputs.forEach(in::add);
        if (dimensions != null) {
            n.put("dimensions", dimensions);
        }
        n.put("encoding_format", encodingFormat);
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The vectors of a 200 response, by input index; a body that does not hold exactly {@code count} is retryable. */
    public static float[][] parseResponse(byte[] body, int count) {
        JsonNode root = readBody(body);
        JsonNode data = root == null ? null : root.get("data");
        if (data == null || !data.isArray() || data.size() != count) {
            throw new RemoteException(
                    "response has " + (data == null || !data.isArray() ? "no data array" : data.size() + " embeddings")
                            + " for " + count + " inputs",
                    200,
                    true,
                    -1,
                    null);
        }
        float[][] out = new float[count][];
        for (JsonNode item : data) {
            int index = item.path("index").asInt(-1);
            if (index < 0 || index >= count || out[index] != null) {
                throw new RemoteException(
                        "response has a bad or repeated index " + item.get("index"), 200, true, -1, null);
            }
            out[index] = vector(item.get("embedding"));
        }
        return out;
    }

    /** A 200 response's JSON; a body that is not JSON (cut off, a proxy's page) is a retryable failure. */
    static JsonNode readBody(byte[] body) {
        try {
            return LENIENT.readTree(body);
        } catch (IOException e) {
            throw new RemoteException(
                    "unreadable response body ("
                            + e.getMessage().lines().findFirst().orElse("") + ")",
                    200,
                    true,
                    -1,
                    e);
        }
    }

    static float[] vector(JsonNode e) {
        if (e == null) {
            throw new RemoteException("an embedding is missing", 200, true, -1, null);
        }
        if (e.isTextual()) {
            return decodeBase64(e.asText());
        }
        if (!e.isArray()) {
            throw new RemoteException("an embedding is neither a list nor base64", 200, true, -1, null);
        }
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            // null (what serde_json writes for NaN) or a non-number is not a value: NaN, never a silent 0
            JsonNode x = e.get(i);
            v[i] = x.isNumber() ? (float) x.asDouble() : Float.NaN;
        }
        return v;
    }

    /** OpenAI's base64 encoding: the float32 values, little-endian. */
    public static String encodeBase64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    public static float[] decodeBase64(String s) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getFloat();
        }
        return v;
    }

    /** The error message of an OpenAI-style error body ({"error": {"message"}}, or {"error": "..."}), else the text. */
    public static String errorMessage(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode root = LENIENT.readTree(body);
            JsonNode err = root == null ? null : root.get("error");
            if (err != null && err.isObject() && err.has("message")) {
                return err.get("message").asText();
            }
            if (err != null && err.isTextual()) {
                return err.asText();
            }
            if (root != null && root.has("message")) {
                return root.get("message").asText();
            }
        } catch (IOException ignored) {
            // not JSON: the text itself
        }
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** Retry-After in milliseconds: delta-seconds or an HTTP date; -1 when absent or unreadable. */
    public static long retryAfterMillis(String header) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        try {
            return (long) (Double.parseDouble(header.trim()) * 1000);
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
            } catch (DateTimeParseException ignored) {
                return -1;
            }
        }
    }
}
