package dev.flinkembed.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** An error answer in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}}. */
final class ApiError extends RuntimeException {

    private static final ObjectMapper JSON = new ObjectMapper();

    final int status;
    final String type;
    final String param;
    private final String code;
    private final Map<String, String> headers;

    ApiError(int status, String type, String param, String message) {
        this(status, type, param, null, message, Map.of());
    }

    ApiError(int status, String type, String param, String code, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.headers = headers;
    }

    /** Response headers that go with the error (Retry-After, WWW-Authenticate). */
    Map<String, String> headers() {
        return headers;
    }

    static ApiError busy(String message) {
        return new ApiError(429, "rate_limit_error", null, null, message, Map.of("Retry-After", "1"));
    }

    static ApiError badRequest(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, message);
    }

    /** TEI's error shape ({@code router/src/lib.rs}, {@code ErrorResponse}): {@code {"error", "error_type"}}. */
    String teiBody() {
        String kind = status == 429 || status == 503
                ? "overloaded"
                : status == 401 ? "unauthorized" : status >= 500 ? "backend" : "validation";
        return JSON.createObjectNode()
                .put("error", getMessage())
                .put("error_type", kind)
                .toString();
    }

    String body() {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode e = n.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return n.toString();
    }
}
