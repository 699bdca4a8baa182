package dev.flinkembed.operators.chunking;

import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.tokenizer.TokenSpans;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Cuts documents into chunks the model reads whole: windows of at most N model tokens (the model's own tokenizer),
 * consecutive windows overlapping by M tokens, character offsets kept. A document that fits is one chunk; nothing is
 * ever cut off silently — every chunk is checked against the model's limit after formatting.
 */
public final class Chunker {

    private final ModelTokenizer tokenizer;
    private final int maxTokens;
    private final int overlap;
    private final boolean includeTitle;
    private final ChunkingOptions options;

    public Chunker(ModelTokenizer tokenizer, ChunkingOptions options) {
        int modelLimit = tokenizer.maxTokens();
        int requested = options.maxTokens() == null ? modelLimit : options.maxTokens();
        if (requested > modelLimit) {
            throw new IllegalArgumentException(
                    "chunking.max-tokens " + requested + " exceeds the model's limit of " + modelLimit + " tokens");
        }
        this.tokenizer = tokenizer;
        this.maxTokens = requested;
        this.overlap = options.overlapTokens();
        this.includeTitle = options.includeTitle();
        this.options = options;
        int contentBudget = requested - tokenizer.specialTokens();
        if (contentBudget < 1 || overlap < 0 || overlap >= contentBudget) {
            throw new IllegalArgumentException("chunking.overlap-tokens " + overlap + " must be within 0.."
                    + (contentBudget - 1) + " for chunks of " + requested + " tokens");
        }
    }

    public List<Chunk> chunk(Document doc) {
        String prefix = titlePrefix(doc.title);
        int budget = maxTokens
                - tokenizer.specialTokens()
                - (prefix.isEmpty() ? 0 : tokenizer.spans(prefix).count());
        String text = doc.text;
        TokenSpans spans = tokenizer.spans(text);
        List<Chunk> chunks = new ArrayList<>();
        // Without a title, the spans are the tokens encode() gives (one piece of text tokenized once) less the special
        // tokens, which the budget leaves room for: the text fits without being tokenized a second time.
        boolean oneTokenization = prefix.isEmpty() && text.length() <= ModelTokenizer.SEGMENT_CHARS;
        if (spans.count() <= budget && (oneTokenization || fits(prefix + text))) {
            chunks.add(chunk(doc, prefix, 0, text.length()));
        } else {
            int n = spans.count();
            int start = 0;
            while (start < n) {
                int end = Math.min(n, start + budget);
                int startChar = startChar(spans, start);
                int endChar = endChar(spans, end - 1);
                // Re-tokenizing a cut-out piece can differ by a token at its edges: shrink until it fits.
                while (end - start > 1 && !fits(prefix + text.substring(startChar, endChar))) {
                    end--;
                    endChar = endChar(spans, end - 1);
                }
                chunks.add(chunk(doc, prefix, startChar, endChar));
                if (end >= n) {
                    break;
                }
                start = Math.max(end - overlap, start + 1);
            }
        }
        String documentHash = DocumentHash.of(doc, options);
        for (int i = 0; i < chunks.size(); i++) {
            chunks.get(i).chunkIndex = i;
            chunks.get(i).chunkCount = chunks.size();
            chunks.get(i).documentHash = documentHash;
        }
        return chunks;
    }

    /** What is written before each chunk of a document with this title: the title and a line break, or nothing. */
    public String titlePrefix(String title) {
        if (!includeTitle || title == null || title.isBlank()) {
            return "";
        }
        String prefix = title.strip() + "\n";
        // A title taking more than a quarter of the chunk would crowd out the text: leave it out.
        return tokenizer.spans(prefix).count() > maxTokens / 4 ? "" : prefix;
    }

    private boolean fits(String embedText) {
        return !tokenizer.encode(embedText).truncated();
    }

    private static int startChar(TokenSpans spans, int token) {
        for (int i = token; i < spans.count(); i++) {
            if (spans.starts()[i] >= 0) {
                return spans.starts()[i];
            }
        }
        return spans.ends()[spans.count() - 1];
    }

    private static int endChar(TokenSpans spans, int token) {
        for (int i = token; i >= 0; i--) {
            if (spans.ends()[i] >= 0) {
                return spans.ends()[i];
            }
        }
        return 0;
    }

    private static Chunk chunk(Document doc, String prefix, int startChar, int endChar) {
        Chunk c = new Chunk();
        c.docId = doc.id;
        c.text = doc.text.substring(startChar, endChar);
        c.embedText = prefix + c.text;
        c.startChar = startChar;
        c.endChar = endChar;
        c.title = doc.title;
        c.metadata = doc.metadata;
        c.sourcePartition = doc.sourcePartition;
        c.sourceOffset = doc.sourceOffset;
        c.contentHash = sha256(c.embedText);
        return c;
    }

    /** The content hash of a chunk whose model input is {@code embedText}. */
    public static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
