package dev.flinkembed.serve;

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
     * What the server discards of a refused body (401, 413, 400 halfway) so that a well-behaved client reads the
     * answer instead of a TCP reset (closing a socket with unread input resets it). Discarded, never held in memory;
     * small, so that refusing a request costs a few hundred KB of reading, not the body a client chose to send.
     */
    static final long DRAIN_BYTES = 256L << 10;
    /** Counted as 408 (a client error); no answer is sent, the connection is already closed. */
    static final int TIMED_OUT = 408;

    private RequestLimits() {}

    /** Connections the server keeps open at once, one HTTP thread each: 4 per embedding thread, at least 256. */
    static int connections(ServeOptions options) {
        return Math.max(256, 4 * options.threads());
    }

    /**
     * The JDK's HTTP server closes a connection whose request (headers and body) is not received within
     * {@code sun.net.httpserver.maxReqTime} seconds, so a handler's read fails instead of holding its thread until the
     * client goes away; it accepts at most {@code jdk.httpserver.maxConnections} connections (more are closed at
     * once), reads at most {@code sun.net.httpserver.maxReqHeaderSize} bytes of headers, and drains at most
     * {@link #DRAIN_BYTES} of a refused body. The server reads these properties once per JVM: the first server's
     * settings hold for all, and a value set with {@code -D} wins.
     */
    static void applyServerLimits(ServeOptions options) {
        setDefault(DRAIN_PROPERTY, Long.toString(DRAIN_BYTES));
        setDefault("jdk.httpserver.maxConnections", Integer.toString(connections(options)));
        setDefault("sun.net.httpserver.maxReqHeaderSize", Integer.toString(64 << 10));
        String seconds = Integer.toString(options.readTimeoutSeconds());
        String set = System.getProperty(READ_TIMEOUT_PROPERTY);
        if (set == null) {
            System.setProperty(READ_TIMEOUT_PROPERTY, seconds);
        } else if (!set.equals(seconds)) {
            LOG.warn("Read timeout: {} s already set for this JVM ({}), not {} s", set, READ_TIMEOUT_PROPERTY, seconds);
        }
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /**
     * The body as a stream that answers 413 once it is known to be larger than allowed (by its Content-Length, else
     * when reading passes it) and 408 when the client does not deliver it in time: the parser reads it as it comes.
     */
    static InputStream body(HttpExchange ex, ServeOptions options) {
        long max = options.maxRequestBytes();
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > max) {
                    throw tooLarge(max);
                }
            } catch (NumberFormatException e) {
                throw ApiError.badRequest(null, "Content-Length is not a number: " + abbreviate(length));
            }
        }
        InputStream in = ex.getRequestBody();
        return new InputStream() {
            private long read;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n;
                try {
                    n = in.read(b, off, len);
                } catch (IOException e) { // the server closed a connection that did not deliver its body in time
                    LOG.info(
                            "A client did not send its request body within the read timeout (connection closed): {}",
                            e.toString());
                    throw new ApiError(
                            TIMED_OUT,
                            "invalid_request_error",
                            null,
                            "request_timeout",
                            "the request body was not received in time",
                            Map.of());
                }
                if (n > 0 && (read += n) > max) {
                    throw tooLarge(max);
                }
                return n;
            }
        };
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static ApiError tooLarge(long max) {
        return new ApiError(
                413,
                "invalid_request_error",
                null,
                "request_too_large",
                "the request body is larger " + "than this server accepts (" + max
                        + " bytes; see serve --max-request-bytes)",
                Map.of());
    }
}
