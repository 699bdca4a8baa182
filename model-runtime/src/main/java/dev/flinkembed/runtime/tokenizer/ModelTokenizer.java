package dev.flinkembed.runtime.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's own tokenizer (a Hugging Face {@code tokenizer.json}, run by DJL's Rust bindings), set up for embedding:
 * dynamic padding (batches are padded by the model code, never to a fixed length) and truncation at the model's limit,
 * special tokens included — the way sentence-transformers truncates. A second instance without special tokens or
 * truncation serves the chunker. Thread-safe (the Rust tokenizer is).
 */
public final class ModelTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer forModel;
    private final HuggingFaceTokenizer forChunking;
    private final int maxTokens;
    private final int specialTokens;
    /** The end token appended by us when the tokenizer's template does not (older Qwen3 downloads); or -1. */
    private final long appendedEos;

    private ModelTokenizer(
            HuggingFaceTokenizer forModel, HuggingFaceTokenizer forChunking, int maxTokens, long appendedEos) {
        this.forModel = forModel;
        this.forChunking = forChunking;
        this.maxTokens = maxTokens;
        this.appendedEos = appendedEos;
        this.specialTokens = forModel.encode("").getIds().length + (appendedEos >= 0 ? 1 : 0);
    }

    /** Loads {@code tokenizer.json}; {@code maxTokens} is the model's limit, special tokens included. */
    public static ModelTokenizer load(Path tokenizerJson, int maxTokens) {
        return load(tokenizerJson, maxTokens, -1);
    }

    /**
     * As {@link #load(Path, int)}, for models whose every input must end with {@code requiredEos} (last-token pooling
     * reads it): when the tokenizer's template does not append it, this tokenizer does, truncating one token earlier.
     */
    public static ModelTokenizer load(Path tokenizerJson, int maxTokens, long requiredEos) {
        ModelTokenizer t = build(tokenizerJson, maxTokens, -1L);
        if (requiredEos < 0) {
            return t;
        }
        long[] probe = t.forModel.encode("a").getIds();
        if (probe.length > 0 && probe[probe.length - 1] == requiredEos) {
            return t;
        }
        t.close();
        LoggerHolder.LOG.info(
                "{} does not append token {} to its inputs (an older download?): flink-embed appends "
                        + "it, as the model's reference implementation does",
                tokenizerJson,
                requiredEos);
        return build(tokenizerJson, maxTokens - 1, requiredEos);
    }

    private static final class LoggerHolder {
        static final Logger LOG = LoggerFactory.getLogger(ModelTokenizer.class);
    }

    private static ModelTokenizer build(Path tokenizerJson, int maxTokens, long appendedEos) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("tokenizer file " + tokenizerJson + " does not exist");
        }
        try {
            // DJL caps maxLength at a "modelMaxLength" of 512 unless told the model's real limit.
            Map<String, String> limits = Map.of("modelMaxLength", Integer.toString(Math.max(maxTokens, 512)));
            HuggingFaceTokenizer model = HuggingFaceTokenizer.builder(limits)
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optPadding(false)
                    .optTruncation(true)
                    .optMaxLength(maxTokens)
                    .build();
            HuggingFaceTokenizer chunking = HuggingFaceTokenizer.builder(limits)
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(false)
                    .optPadding(false)
                    .optTruncation(false)
                    .build();
            return new ModelTokenizer(model, chunking, appendedEos >= 0 ? maxTokens + 1 : maxTokens, appendedEos);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    public TokenIds encode(String text) {
        Encoding enc = forModel.encode(text);
        if (appendedEos < 0) {
            return new TokenIds(enc.getIds(), enc.getTypeIds(), enc.exceedMaxLength());
        }
        long[] ids = Arrays.copyOf(enc.getIds(), enc.getIds().length + 1);
        ids[ids.length - 1] = appendedEos;
        return new TokenIds(ids, new long[ids.length], enc.exceedMaxLength());
    }

    /**
     * A query–document pair as a cross-encoder reads it: the template's pair form ({@code [CLS] a [SEP] b [SEP]}, token
     * types 0 then 1), truncated to the model's limit longest-first, as sentence-transformers' CrossEncoder does.
     */
    public TokenIds encodePair(String first, String second) {
        Encoding enc = forModel.encode(first, second);
        return new TokenIds(enc.getIds(), enc.getTypeIds(), enc.exceedMaxLength());
    }

    /** The text's ids alone: no special tokens added (those written in the text are kept), no truncation. */
    public long[] idsOf(String text) {
        return forChunking.encode(text).getIds();
    }

    /**
     * Token boundaries for chunking: every token of the text, no special tokens, no truncation. A long text is
     * tokenized in segments cut before a word ({@link #SEGMENT_CHARS}): one encoding of a whole 50 MB document would
     * hold every token's string and offsets at once, several GB; segments keep only the two int arrays.
     */
    public TokenSpans spans(String text) {
        return spans(text, SEGMENT_CHARS);
    }

    /** Characters tokenized at once for chunking. */
    public static final int SEGMENT_CHARS = 1 << 16;

    static TokenSpans spans(String text, int segmentChars, Function<String, TokenSpans> encoder) {
        if (text.length() <= segmentChars) {
            return encoder.apply(text);
        }
        int[] starts = new int[text.length() / 4 + 16];
        int[] ends = new int[starts.length];
        int count = 0;
        for (int from = 0; from < text.length(); ) {
            int to = segmentEnd(text, from, segmentChars);
            TokenSpans part = encoder.apply(text.substring(from, to));
            if (count + part.count() > starts.length) {
                int grown = Math.max(starts.length * 2, count + part.count());
                starts = Arrays.copyOf(starts, grown);
                ends = Arrays.copyOf(ends, grown);
            }
            for (int i = 0; i < part.count(); i++) {
                starts[count] = part.starts()[i] < 0 ? -1 : part.starts()[i] + from;
                ends[count++] = part.ends()[i] < 0 ? -1 : part.ends()[i] + from;
            }
            from = to;
        }
        return new TokenSpans(Arrays.copyOf(starts, count), Arrays.copyOf(ends, count));
    }

    TokenSpans spans(String text, int segmentChars) {
        return spans(text, segmentChars, this::spansOfSegment);
    }

    /**
     * Where a segment starting at {@code from} ends, searching back from the segment size: before a space that follows
     * a non-space, where every pre-tokenizer we know (BERT's, and the GPT-2-style regex of Qwen, which attaches
     * newlines to the punctuation before them) splits too; failing that, before any whitespace after a non-whitespace;
     * failing that (no whitespace at all), at the size but never between the two halves of a surrogate pair.
     */
    static int segmentEnd(String text, int from, int segmentChars) {
        int limit = from + segmentChars;
        if (limit >= text.length()) {
            return text.length();
        }
        int anyWhitespace = -1;
        for (int i = limit; i > from + segmentChars / 2; i--) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) && !Character.isWhitespace(text.charAt(i - 1))) {
                if (c == ' ') {
                    return i;
                }
                anyWhitespace = anyWhitespace < 0 ? i : anyWhitespace;
            }
        }
        if (anyWhitespace > 0) {
            return anyWhitespace;
        }
        return Character.isLowSurrogate(text.charAt(limit)) ? limit - 1 : limit;
    }

    private TokenSpans spansOfSegment(String text) {
        Encoding enc = forChunking.encode(text);
        CharSpan[] spans = enc.getCharTokenSpans();
        int[] starts = new int[spans.length];
        int[] ends = new int[spans.length];
        int[] toUtf16 = codePointToUtf16(text);
        for (int i = 0; i < spans.length; i++) {
            // Byte-level tokenizers can split one character over several tokens; such tokens carry no span.
            starts[i] = spans[i] == null ? -1 : toUtf16[Math.min(spans[i].getStart(), toUtf16.length - 1)];
            ends[i] = spans[i] == null ? -1 : toUtf16[Math.min(spans[i].getEnd(), toUtf16.length - 1)];
        }
        return new TokenSpans(starts, ends);
    }

    /** The Rust tokenizer reports offsets in code points; Java strings index UTF-16 units. */
    private static int[] codePointToUtf16(String text) {
        int count = text.codePointCount(0, text.length());
        int[] map = new int[count + 1];
        int utf16 = 0;
        for (int cp = 0; cp < count; cp++) {
            map[cp] = utf16;
            utf16 += Character.charCount(text.codePointAt(utf16));
        }
        map[count] = text.length();
        return map;
    }

    /** The model's limit, special tokens included. */
    public int maxTokens() {
        return maxTokens;
    }

    /** Tokens the template adds to every text ([CLS] and [SEP] for BERT). */
    public int specialTokens() {
        return specialTokens;
    }

    @Override
    public void close() {
        forModel.close();
        forChunking.close();
    }
}
