package dev.flinkembed.jobs.poison;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What every run of the poison corpus must show, whatever the source and sink. */
final class PoisonExpectations {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A dead letter as any output holds it. */
    record Letter(String stage, String kind, String docId, String reason, byte[] original) {
        @Override
        public String toString() {
            return stage + "/" + kind + " " + reason + ": "
                    + (original == null
                            ? null
                            : new String(original, StandardCharsets.UTF_8)
                                    .substring(0, Math.min(200, original.length)));
        }

        boolean holds(String token) {
            return original != null && indexOf(original, token.getBytes(StandardCharsets.UTF_8)) >= 0;
        }
    }

    private PoisonExpectations() {}

    /** The JSON Lines dead letters under {@code dir}. */
    static List<Letter> fromFiles(Path dir) throws IOException {
        List<Letter> out = new ArrayList<>();
        try (var files = Files.walk(dir)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            System.out.println("dead-letter files under " + dir + ": " + all);
            for (Path f : all.stream()
                    .filter(p -> p.getFileName().toString().endsWith(".jsonl")
                            && !p.getFileName().toString().startsWith("."))
                    .toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode n = JSON.readTree(line);
                    byte[] original = n.has("original_base64")
                            ? Base64.getDecoder()
                                    .decode(n.get("original_base64").asText())
                            : n.path("original").isNull()
                                    ? null
                                    : n.path("original").asText().getBytes(StandardCharsets.UTF_8);
                    out.add(new Letter(
                            n.path("stage").asText(),
                            n.path("kind").asText(),
                            n.path("doc_id").isMissingNode()
                                    ? null
                                    : n.path("doc_id").asText(),
                            n.path("reason").asText(),
                            original));
                }
            }
        }
        return out;
    }

    /**
     * Each poison record is in exactly one dead letter, of its stage and kind; there are no other dead letters.
     * Returns the dead letters per "stage/kind" (for the closing note).
     */
    static Map<String, Integer> assertEachPoisonOnce(List<PoisonCorpus.Poison> poisons, List<Letter> letters) {
        assertThat(letters).as("dead letters").isNotEmpty();
        for (PoisonCorpus.Poison p : poisons) {
            List<Letter> matching = letters.stream()
                    .filter(l -> p.value() == null // a tombstone: by its reason
                            ? l.reason().contains(p.token())
                            : p.token() == null
                                    ? l.original() != null
                                            && new String(l.original(), StandardCharsets.UTF_8)
                                                    .strip()
                                                    .equals(new String(p.value(), StandardCharsets.UTF_8))
                                    : l.holds(p.token()))
                    .toList();
            assertThat(matching)
                    .as("dead letters of poison '%s' among %s", p.name(), letters)
                    .hasSize(1);
            assertThat(matching.get(0).stage() + "/" + matching.get(0).kind())
                    .as(
                            "stage/kind of '%s' (reason: %s)",
                            p.name(), matching.get(0).reason())
                    .isEqualTo(p.stage() + "/" + p.kind());
        }
        assertThat(letters)
                .as("dead letters, one per poison record and no other")
                .hasSize(poisons.size());
        // (checked last: a missing or extra dead letter is named above)
        Map<String, Integer> perKind = new TreeMap<>();
        letters.forEach(l -> perKind.merge(l.stage() + "/" + l.kind(), 1, Integer::sum));
        return perKind;
    }

    /** The marker planted in every poison document's text appears in no log line. */
    static void assertNoDocumentTextIn(String what, String text) {
        assertThat(count(text, PoisonCorpus.MARKER))
                .as("lines of %s holding document text (the marker)", what)
                .isZero();
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
