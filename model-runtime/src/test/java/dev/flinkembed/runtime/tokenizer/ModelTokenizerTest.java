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
}
