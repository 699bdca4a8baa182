package dev.flinkembed.runtime;

import java.util.ArrayList;
import java.util.List;

/** Varied inputs for parity tests: empty, short, long (beyond 256 tokens), non-ASCII, code, numbers. */
public final class TestTexts {

    private TestTexts() {}

    public static List<String> varied() {
        List<String> t = new ArrayList<>(List.of(
                "",
                " ",
                "a",
                "Hello!",
                "The capital of China is Beijing.",
                "What is the capital of China?",
                "Gravity is a force that attracts two bodies towards each other. It gives weight to physical objects "
                        + "and is responsible for the movement of planets around the sun.",
                "北京是中国的首都。",
                "Москва — столица России.",
                "東京は日本の首都です。",
                "서울은 한국의 수도입니다.",
                "Ünïcödé àccénts façade naïve café",
                "emoji 🚀🔥 and symbols ∑∫√ ≤ ≥",
                "def embed(texts):\n    return [model(t) for t in texts]\n",
                "SELECT id, text FROM documents WHERE id > 42 ORDER BY id;",
                "3.14159 2.71828 1.41421 299792458 6.022e23",
                "tab\tseparated\tvalues\nand\nnew lines",
                "UPPER CASE SHOUTING TEXT",
                "mIxEd CaSe TeXt",
                "a b c d e f g h i j k l m n o p q r s t u v w x y z",
                "https://example.org/path?query=value&other=1#fragment",
                "user@example.com wrote: hi",
                "Debian is a free operating system for your computer.",
                "libc6: GNU C Library: Shared libraries. Contains the standard libraries that are used by nearly "
                        + "all programs on the system.",
                "The quick brown fox jumps over the lazy dog.",
                "Lorem ipsum dolor sit amet, consectetur adipiscing.",
                "    leading and trailing spaces    ",
                "repeated repeated repeated repeated repeated",
                "¿Dónde está la biblioteca?",
                "Ça va très bien, merci.",
                "Γειά σου Κόσμε",
                "مرحبا بالعالم",
                "שלום עולם",
                "नमस्ते दुनिया",
                "🙂",
                "!!!???...",
                "<html><body>Markup</body></html>",
                "{\"json\": [1, 2, 3], \"nested\": {\"k\": \"v\"}}",
                "C++ templates & Java generics",
                "α-helix β-sheet protein folding"));
        StringBuilder medium = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            medium.append("Sentence number ").append(i).append(" talks about packages. ");
        }
        t.add(medium.toString());
        StringBuilder longText = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            longText.append("This long document keeps going past the model limit, part ")
                    .append(i)
                    .append(". ");
        }
        t.add(longText.toString());
        StringBuilder exactlyLong = new StringBuilder();
        for (int i = 0; i < 254; i++) {
            exactlyLong.append("word ");
        }
        t.add(exactlyLong.toString());
        t.add(exactlyLong + "extra words beyond");
        StringBuilder cjkLong = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            cjkLong.append("数据");
        }
        t.add(cjkLong.toString());
        for (int i = 0; i < 8; i++) {
            t.add("Package number " + i + " provides tool " + (char) ('A' + i) + " for embedding documents.");
        }
        return t;
    }
}
