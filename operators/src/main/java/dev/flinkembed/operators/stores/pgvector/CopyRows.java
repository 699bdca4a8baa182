package dev.flinkembed.operators.stores.pgvector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.operators.records.EmbeddedChunk;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * New rows through {@code COPY … FROM STDIN (FORMAT binary)}: PostgreSQL's bulk-load path, one stream of rows instead
 * of a statement per row. Only for rows known to be absent (COPY cannot upsert: a row already there fails the whole
 * COPY with a unique violation) and only into a {@code vector} column (pgvector's binary form: dimensions, a reserved
 * 16-bit word, then the floats); the writer keeps upserts for everything else.
 */
final class CopyRows {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);
    /** PostgreSQL's timestamps count microseconds from 2000-01-01 UTC. */
    private static final long POSTGRES_EPOCH_MILLIS = 946_684_800_000L;

    private CopyRows() {}

    /**
     * Whether the server takes {@code COPY FROM STDIN}: PGlite (PostgreSQL compiled to WebAssembly, which the tests use
     * as pgvector) does not speak the COPY sub-protocol.
     */
    static boolean serverSpeaksCopy(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version()")) {
            return rs.next() && !rs.getString(1).contains("PGlite");
        }
    }

    /** The COPY statement for {@code columns} of {@code o}'s table. */
    static String sql(PgVectorOptions o, List<String> columns) {
        return "COPY " + o.qualifiedTable() + " (" + String.join(", ", columns) + ") FROM STDIN (FORMAT binary)";
    }

    /** Copies {@code rows} into {@code o}'s table (in the caller's transaction); returns the rows copied. */
    static long copy(Connection c, PgVectorOptions o, List<EmbeddedChunk> rows, boolean documentHash)
            throws SQLException {
        List<String> columns = PgVectorTable.columns(documentHash);
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql(o, columns));
        try {
            byte[] body = encode(rows, columns);
            in.writeToCopy(body, 0, body.length);
            return in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    /** The binary COPY stream of {@code rows}: header, each row's fields in {@code columns}' order, trailer. */
    static byte[] encode(List<EmbeddedChunk> rows, List<String> columns) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rows.size() * 2_400);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(SIGNATURE);
            out.writeInt(0); // flags
            out.writeInt(0); // header extension length
            for (EmbeddedChunk e : rows) {
                out.writeShort(columns.size());
                for (String column : columns) {
                    field(out, column, e);
                }
            }
            out.writeShort(-1);
        } catch (IOException x) {
            throw new IllegalStateException(x); // in memory: cannot happen
        }
        return bytes.toByteArray();
    }

    private static void field(DataOutputStream out, String column, EmbeddedChunk e) throws IOException {
        switch (column) {
            case "doc_id" -> text(out, e.docId);
            case "chunk_index" -> int4(out, e.chunkIndex);
            case "chunk_count" -> int4(out, e.chunkCount);
            case "text" -> text(out, e.text);
            case "title" -> text(out, e.title);
            case "metadata" -> jsonb(out, e);
            case "start_char" -> int4(out, e.startChar);
            case "end_char" -> int4(out, e.endChar);
            case "token_count" -> int4(out, e.tokenCount);
            case "content_hash" -> text(out, e.contentHash);
            case "document_hash" -> text(out, e.documentHash);
            case "model" -> text(out, e.model);
            case "model_fingerprint" -> text(out, e.modelFingerprint);
            case "embedded_at" -> {
                out.writeInt(8);
                out.writeLong((e.embeddedAt - POSTGRES_EPOCH_MILLIS) * 1_000);
            }
            case "embedding" -> {
                out.writeInt(4 + 4 * e.embedding.length);
                out.writeShort(e.embedding.length);
                out.writeShort(0);
                for (float f : e.embedding) {
                    out.writeFloat(f);
                }
            }
            default -> throw new IllegalArgumentException("no binary form for column " + column);
        }
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static void int4(DataOutputStream out, int v) throws IOException {
        out.writeInt(4);
        out.writeInt(v);
    }

    /** jsonb's binary form: a version byte (1), then the JSON text. */
    private static void jsonb(DataOutputStream out, EmbeddedChunk e) throws IOException {
        if (e.metadata == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b;
        try {
            b = JSON.writeValueAsBytes(e.metadata);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
        out.writeInt(b.length + 1);
        out.writeByte(1);
        out.write(b);
    }
}
