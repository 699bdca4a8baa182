package dev.flinkembed.operators.sources;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads JSON Lines files for a FileSource as raw bytes per line (so a line that is not UTF-8 becomes a dead letter
 * instead of being silently repaired with replacement characters), skipping blank lines.
 */
public final class JsonLinesDocumentFormat extends DocumentFileFormat {

    private final JsonDocumentParser parser = new JsonDocumentParser();

    @Override
    public Reader<ParsedRecord> createReader(Configuration config, FSDataInputStream stream, long fileLen,
                                             long splitEnd) {
        InputStream in = new java.io.BufferedInputStream(stream, 1 << 16);
        return new Reader<>() {
            private long line;

            @Override
            public ParsedRecord read() throws IOException {
                while (true) {
                    byte[] bytes = nextLine(in);
                    if (bytes == null) {
                        return null;
                    }
                    line++;
                    if (!isBlank(bytes)) {
                        return parser.parse(bytes, "jsonl line " + line);
                    }
                }
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    static byte[] nextLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        int b;
        boolean any = false;
        while ((b = in.read()) != -1) {
            any = true;
            if (b == '\n') {
                break;
            }
            buf.write(b);
        }
        if (!any) {
            return null;
        }
        byte[] bytes = buf.toByteArray();
        if (bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
            return java.util.Arrays.copyOf(bytes, bytes.length - 1);
        }
        return bytes;
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
