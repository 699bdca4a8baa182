package dev.flinkembed.runtime.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.runtime.SharedBuiltin;
import org.junit.jupiter.api.Test;

class ModelTokenizerTest {

    private final ModelTokenizer tokenizer = SharedBuiltin.model().tokenizer();

    @Test
    void padsNothingAndTruncatesAt256WithTheSeparatorKept() {
        TokenIds shortText = tokenizer.encode("hello world");
        assertThat(shortText.ids()).containsExactly(101, 7592, 2088, 102); // [CLS] hello world [SEP], no padding
        TokenIds longText = tokenizer.encode("word ".repeat(400));
        assertThat(longText.length()).isEqualTo(256);
        assertThat(longText.ids()[255]).isEqualTo(102);
        assertThat(longText.truncated()).isTrue();
        assertThat(tokenizer.specialTokens()).isEqualTo(2);
    }

    @Test
    void spansAreStringIndicesEvenAfterCharactersOutsideTheBasicPlane() {
        String text = "🚀 Rocket café";
        TokenSpans spans = tokenizer.spans(text);
        int last = spans.count() - 1;
        assertThat(text.substring(spans.starts()[last], spans.ends()[last])).isEqualTo("café");
        assertThat(text.substring(spans.starts()[1], spans.ends()[1])).isEqualTo("Rocket");
    }

    @Test
    void spansCoverLongTextsWithoutTruncation() {
        String text = "word ".repeat(400).trim();
        TokenSpans spans = tokenizer.spans(text);
        assertThat(spans.count()).isEqualTo(400);
        assertThat(spans.ends()[399]).isEqualTo(text.length());
    }

    /** Text of every kind: words, punctuation, runs of newlines and spaces, CJK, emoji, a long unbroken token. */
    static String mixedText(int chars) {
        String[] pieces = {
            "The quick brown fox jumps over the lazy dog.",
            "\n\n",
            "Debian's apt-get (1.0) installs",
            "   ",
            "\t",
            "北京是中国的首都。",
            "🚀🚀 rockets",
            "naïve café",
            "x".repeat(300),
            "\r\n",
            "e=mc²;",
            "https://example.org/a?b=c",
            "  \n  "
        };
        StringBuilder b = new StringBuilder();
        java.util.Random r = new java.util.Random(7);
        while (b.length() < chars) {
            b.append(pieces[r.nextInt(pieces.length)]).append(r.nextBoolean() ? " " : "");
        }
        return b.toString();
    }

    @Test
    void aLongTextTokenizedInSegmentsHasTheSameSpansAsInOneGo() throws Exception {
        String text = mixedText(60_000);
        ModelTokenizer qwen = ModelTokenizer.load(
                dev.flinkembed.runtime.qwen3.Fixtures.folder(dev.flinkembed.runtime.qwen3.Fixtures.BF16)
                        .resolve("tokenizer.json"),
                8192);
        for (ModelTokenizer t : java.util.List.of(tokenizer, qwen)) {
            TokenSpans whole = t.spans(text, Integer.MAX_VALUE);
            // 4,000-character segments: each searched back 2,000 for a cut, more than any run without whitespace
            // here (where a text has none for half a segment, a word is cut and a token or two can differ).
            TokenSpans segmented = t.spans(text, 4000);
            assertThat(segmented.count()).isEqualTo(whole.count()).isGreaterThan(5_000);
            assertThat(segmented.starts()).isEqualTo(whole.starts());
            assertThat(segmented.ends()).isEqualTo(whole.ends());
        }
        qwen.close();
    }

    @Test
    void segmentsEndBeforeAWordAndNeverSplitASurrogatePair() {
        String words = "alpha beta.\n\ngamma delta";
        assertThat(ModelTokenizer.segmentEnd(words, 0, 19)).isEqualTo(18); // before the space, not the newlines
        assertThat(ModelTokenizer.segmentEnd(words, 0, 14)).isEqualTo(11); // no space: before the run of newlines
        String rockets = "🚀".repeat(10); // no whitespace: cut at the size, but not between a pair's halves
        int end = ModelTokenizer.segmentEnd(rockets, 0, 5);
        assertThat(Character.isHighSurrogate(rockets.charAt(end - 1))).isFalse();
    }
}
