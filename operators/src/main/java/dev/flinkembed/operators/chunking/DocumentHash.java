package dev.flinkembed.operators.chunking;

import dev.flinkembed.operators.records.Document;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A hash of everything that decides a document's chunks besides the tokenizer: its text, its title when titles are
 * written before chunks, and the chunk size and overlap. Stored with every chunk row ({@code document_hash}), so the
 * reindex job can tell a document is unchanged without tokenizing it again; the model fingerprint, stored beside it,
 * covers the tokenizer. Version-tagged: a change of what goes in makes every stored hash differ, never falsely match.
 */
public final class DocumentHash {

    private static final String VERSION = "document-hash/1";

    private DocumentHash() {}

    /** 32 hex digits (the first 16 bytes of a SHA-256). */
    public static String of(Document doc, ChunkingOptions options) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        field(sha, VERSION);
        field(sha, String.valueOf(options.maxTokens())); // "null": the model's own limit, which its fingerprint covers
        field(sha, String.valueOf(options.overlapTokens()));
        field(sha, options.includeTitle() ? doc.title : null);
        field(sha, doc.text);
        return HexFormat.of().formatHex(Arrays.copyOf(sha.digest(), 16));
    }

    /** Length-prefixed, so no two sequences of fields hash alike; null apart from empty. */
    private static void field(MessageDigest sha, String s) {
        if (s == null) {
            sha.update(new byte[] {0, 0, 0, 0, 1});
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update(new byte[] {
            (byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length, 0
        });
        sha.update(b);
    }
}
