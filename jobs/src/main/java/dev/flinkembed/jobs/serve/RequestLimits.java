package dev.flinkembed.jobs.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How much of a request body is read, and for how long. */
final class RequestLimits {

    private static final Logger LOG = LoggerFactory.getLogger(RequestLimits.class);
    private static final String READ_TIMEOUT_PROPERTY = "sun.net.httpserver.maxReqTime";
    private static final String DRAIN_PROPERTY = "sun.net.httpserver.drainAmount";
    /**
     * What the server discards of a refused body so that the client reads the 413 instead of a TCP reset (closing a
     * socket with unread input resets it). Discarded, never held in memory; the read timeout still bounds it.
     */
    private static final long DRAIN_BYTES = 64L << 20;
    /** Counted as 408 (a client error); no answer is sent, the connection is already closed. */
    static final int TIMED_OUT = 408;

    private RequestLimits() {
    }

    /**
     * The JDK's HTTP server closes a connection whose request (headers and body) is not received within
     * {@code sun.net.httpserver.maxReqTime} seconds; the handler's read then fails instead of holding its thread until
     * the client goes away. The server reads the property once per JVM: the first server's setting holds for all, and
     * a value set with {@code -D} wins.
     */
    static void applyReadTimeout(int seconds) {
        if (System.getProperty(DRAIN_PROPERTY) == null) {
            System.setProperty(DRAIN_PROPERTY, Long.toString(DRAIN_BYTES));
        }
        String set = System.getProperty(READ_TIMEOUT_PROPERTY);
        if (set == null) {
            System.setProperty(READ_TIMEOUT_PROPERTY, Integer.toString(seconds));
        } else if (!set.equals(Integer.toString(seconds))) {
            LOG.warn("Read timeout: {} s already set for this JVM ({}), not {} s", set, READ_TIMEOUT_PROPERTY, seconds);
        }
    }

    /** The body, or 413 once it is known to be larger than allowed: by its Content-Length, else when reading passes it. */
    static byte[] readBody(HttpExchange ex, ServeOptions options) {
        long max = options.maxRequestBytes();
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > max) {
                    throw tooLarge(max);
                }
            } catch (NumberFormatException e) {
                throw ApiError.badRequest(null, "Content-Length is not a number: " + length);
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (body.length > max) {
                throw tooLarge(max);
            }
            return body;
        } catch (IOException e) { // the server closed a connection that did not deliver its body in time
            LOG.info("A client did not send its request body within the read timeout (connection closed): {}",
                    e.toString());
            throw new ApiError(TIMED_OUT, "invalid_request_error", null, "request_timeout",
                    "the request body was not received in time", Map.of());
        }
    }

    private static ApiError tooLarge(long max) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large", "the request body is larger "
                + "than this server accepts (" + max + " bytes; see serve --max-request-bytes)", Map.of());
    }
}
