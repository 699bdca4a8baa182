package dev.flinkembed.operators.records;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * A record that could not be processed: at which stage ({@code parse}, {@code chunk}, {@code embed}, {@code write}),
 * what kind of problem (a short stable code, e.g. {@code bad-id}, counted per kind as a metric), why (a sentence),
 * which document when known, where it came from, and the original bytes (as text when they are valid UTF-8, otherwise
 * Base64), so nothing is lost and it can be fixed and replayed. See the README's "Bad records" policy.
 */
public class DeadLetter {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The stages that can refuse a record. */
    public static final String PARSE = "parse";

    public static final String CHUNK = "chunk";
    public static final String EMBED = "embed";
    public static final String WRITE = "write";

    public String stage;
    public String kind;
    /** The document's id when it is known (null for a record that is not a document at all). */
    public String docId;

    public String reason;
    public String source;
    public String original;
    public boolean originalIsBase64;
    public long at;
    /** The Kafka key of the original message, when it came from Kafka (null otherwise). */
    public byte[] key;

    public DeadLetter() {}

    public static DeadLetter of(String stage, String kind, String reason, String source, String original) {
        DeadLetter d = new DeadLetter();
        d.stage = stage;
        d.kind = kind;
        d.reason = reason;
        d.source = source;
        d.original = original;
        d.at = System.currentTimeMillis();
        return d;
    }

    public static DeadLetter ofBytes(String stage, String kind, String reason, String source, byte[] original) {
        DeadLetter d = of(stage, kind, reason, source, null);
        try {
            d.original = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(original))
                    .toString();
        } catch (CharacterCodingException e) {
            d.original = Base64.getEncoder().encodeToString(original);
            d.originalIsBase64 = true;
        }
        return d;
    }

    /** The original record exactly as it was read. */
    public byte[] originalBytes() {
        if (original == null) {
            return null;
        }
        return originalIsBase64 ? Base64.getDecoder().decode(original) : original.getBytes(StandardCharsets.UTF_8);
    }

    /** The same dead letter naming its document. */
    public DeadLetter forDocument(String id) {
        this.docId = id;
        return this;
    }

    /** One JSON Lines row: {"stage", "kind", "reason", "doc_id"?, "source", "original" or "original_base64", "at"}. */
    public String toJsonLine() {
        ObjectNode n = JSON.createObjectNode();
        n.put("stage", stage);
        n.put("kind", kind);
        n.put("reason", reason);
        if (docId != null) {
            n.put("doc_id", docId);
        }
        n.put("source", source);
        n.put(originalIsBase64 ? "original_base64" : "original", original);
        n.put("at", Instant.ofEpochMilli(at).toString());
        return n.toString();
    }
}
