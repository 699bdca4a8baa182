package dev.flinkembed.serve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * {@code Authorization: Bearer <key>}, as OpenAI, vLLM ({@code --api-key}) and TEI ({@code --api-key}) ask it. Keys are
 * compared as SHA-256 digests with {@link MessageDigest#isEqual} — constant time, and of equal length whatever was
 * sent — so the time of a refusal tells nothing about the key. The key itself is never logged nor echoed.
 */
final class BearerAuth {

    private final byte[] expected;

    /** Null: no key, everybody is let in. */
    BearerAuth(String apiKey) {
        this.expected = apiKey == null ? null : sha256(apiKey);
    }

    void check(String authorization) {
        if (expected == null) {
            return;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
        }
        if (!MessageDigest.isEqual(expected, sha256(authorization.substring(7).trim()))) {
            throw unauthorized("Incorrect API key provided.");
        }
    }

    private static ApiError unauthorized(String message) {
        return new ApiError(
                401, "invalid_request_error", null, "invalid_api_key", message, Map.of("WWW-Authenticate", "Bearer"));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java runtime has SHA-256
        }
    }
}
