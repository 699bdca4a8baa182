package dev.flinkembed.operators.sources;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads JSON Lines files for a FileSource as raw bytes per line (so a line that is not UTF-8 becomes a dead letter
 * instead of being silently repaired with replacement characters), skipping blank lines. Splittable by byte ranges: a
 * line belongs to the split that holds its first byte, so a split that starts inside a line skips to the next one and
 * a split reads past its end to finish its last line — every line is read exactly once.
 */
public final class JsonLinesDocumentFormat extends DocumentFileFormat {

    private final JsonDocumentParser parser;

    public JsonLinesDocumentFormat(DocumentFields fields) {
        this.parser = new JsonDocumentParser(fields);
    }

    @Override
    public Reader<ParsedRecord> createReader(
            Configuration config, FSDataInputStream stream, long fileLen, long splitEnd) throws IOException {
        long splitStart = stream.getPos(); // the FileSource seeks to the split's offset before handing the stream over
        LineReader lines = LineReader.open(stream, splitStart);
        return new Reader<>() {
            private long line;

            @Override
            public ParsedRecord read() throws IOException {
                while (lines.position() < splitEnd) {
                    long start = lines.position();
                    byte[] bytes = lines.next();
                    if (bytes == null) {
                        return null;
                    }
                    line++;
                    if (!isBlank(bytes)) {
                        // Line numbers are known only from the file's start; later splits name the byte offset.
                        return parser.parse(
                                bytes, splitStart == 0 ? "jsonl line " + line : "jsonl line at byte " + start);
                    }
                }
                return null;
            }

            @Override
            public void close() throws IOException {
                lines.close();
            }
        };
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Lines of a stream, with the byte position of the next line. */
    static final class LineReader implements AutoCloseable {
        private final InputStream in;
        private long position;

        private LineReader(InputStream in, long position) {
            this.in = in;
            this.position = position;
        }

        /**
         * Positions at the first line that starts at or after {@code start}: unless {@code start} is 0 or the byte
         * before it ends a line, the rest of the line it falls in belongs to the split before.
         */
        static LineReader open(FSDataInputStream stream, long start) throws IOException {
            if (start == 0) {
                return new LineReader(new BufferedInputStream(stream, 1 << 16), 0);
            }
            stream.seek(start - 1);
            LineReader reader = new LineReader(new BufferedInputStream(stream, 1 << 16), start - 1);
            reader.next(); // the tail of the line that started before this split (just "\n" if one ended at start-1)
            return reader;
        }

        long position() {
            return position;
        }

        /** The next line without its line end ("\n" or "\r\n"), or null at the end of the stream. */
        byte[] next() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
            int b;
            boolean any = false;
            while ((b = in.read()) != -1) {
                any = true;
                position++;
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
                return Arrays.copyOf(bytes, bytes.length - 1);
            }
            return bytes;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
