package dev.flinkembed.operators.sources;

import dev.flinkembed.operators.records.Document;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a document must be before it is chunked, hashed and stored — one rule set for every source (JSON Lines,
 * Parquet, Kafka) and every sink (Parquet, pgvector, Kafka), applied while parsing. See the README's "Bad records".
 *
 * <p><b>Repaired</b> (the document goes on): in {@code text}, {@code title} and metadata keys and values, NUL
 * characters (U+0000, which PostgreSQL cannot store in text or jsonb) are removed and lone UTF-16 surrogates (not
 * Unicode; UTF-8 cannot encode them) become U+FFFD, as a UTF-8 encoder would make them. Repairs happen before chunking
 * and hashing, so the stored text, its content hash and its vector agree.
 *
 * <p><b>Refused</b> (a dead letter, kind in brackets): an id with a NUL or a lone surrogate, or longer than
 * {@value #MAX_ID_BYTES} UTF-8 bytes [{@code bad-id}] — an id is a key, and a repaired key would name another
 * document; a title over {@value #MAX_TITLE_CHARS} characters or metadata over {@value #MAX_METADATA_BYTES} bytes
 * [{@code too-large}] — every chunk row carries both, and must fit a Kafka record and an index row; a text that is
 * empty once repaired [{@code empty-field}].
 */
public final class DocumentPolicy {

    /** Ids are index keys: PostgreSQL's btree refuses keys over ~2,700 bytes; 512 leaves room and is plenty. */
    public static final int MAX_ID_BYTES = 512;

    public static final int MAX_TITLE_CHARS = 4096;
    public static final int MAX_METADATA_BYTES = 65_536;

    public static final String BAD_ID = "bad-id";
    public static final String TOO_LARGE = "too-large";
    public static final String EMPTY_FIELD = "empty-field";

    /** Why a document is refused: a short stable kind (metrics) and a sentence (the dead letter's reason). */
    public record Refusal(String kind, String reason) {}

    private DocumentPolicy() {}

    /** Repairs {@code d} in place and returns null, or returns why it is refused. */
    public static Refusal admit(Document d) {
        Refusal id = checkId(d.id);
        if (id != null) {
            return id;
        }
        if (Document.DELETE.equals(d.op)) {
            return null;
        }
        d.text = repair(d.text);
        if (d.text == null || d.text.isBlank()) {
            return new Refusal(EMPTY_FIELD, "field 'text' is empty once NUL characters are removed");
        }
        d.title = repair(d.title);
        if (d.title != null && d.title.length() > MAX_TITLE_CHARS) {
            return new Refusal(
                    TOO_LARGE,
                    "title has " + d.title.length() + " characters, at most " + MAX_TITLE_CHARS
                            + " accepted (every chunk row carries it)");
        }
        if (d.metadata != null) {
            Map<String, String> repaired = new LinkedHashMap<>();
            long bytes = 0;
            for (Map.Entry<String, String> e : d.metadata.entrySet()) {
                String k = repair(e.getKey());
                String v = repair(e.getValue());
                repaired.put(k, v);
                bytes += utf8Length(k) + (v == null ? 0 : utf8Length(v));
            }
            if (bytes > MAX_METADATA_BYTES) {
                return new Refusal(
                        TOO_LARGE,
                        "metadata is " + bytes + " bytes of keys and values, at most " + MAX_METADATA_BYTES
                                + " accepted (every chunk row carries it)");
            }
            d.metadata = repaired;
        }
        return null;
    }

    /** Null when {@code id} can be a key; otherwise why not. Ids are never repaired. */
    public static Refusal checkId(String id) {
        if (id == null || id.isEmpty()) {
            return new Refusal(BAD_ID, "the id is missing or empty");
        }
        if (id.indexOf('\0') >= 0) {
            return new Refusal(BAD_ID, "the id contains a NUL character (U+0000); an id is a key and is not repaired");
        }
        if (!isClean(id)) {
            return new Refusal(
                    BAD_ID,
                    "the id contains a lone UTF-16 surrogate (not Unicode); an id is a key and is " + "not repaired");
        }
        int bytes = utf8Length(id);
        if (bytes > MAX_ID_BYTES) {
            return new Refusal(
                    BAD_ID,
                    "the id is " + bytes + " bytes in UTF-8, at most " + MAX_ID_BYTES
                            + " accepted (it is an index key)");
        }
        return null;
    }

    /** {@code s} without NUL characters and with lone surrogates replaced by U+FFFD; the same instance when clean. */
    public static String repair(String s) {
        if (s == null || isClean(s)) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                b.append('\uFFFD');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isClean(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                return false;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
