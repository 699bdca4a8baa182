package dev.flinkembed.operators.sources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.records.Document;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonDocumentParserTest {

    private final JsonDocumentParser parser = new JsonDocumentParser();

    private String reason(String line) {
        ParsedRecord r = parser.parse(line, "test");
        assertThat(r.document).as(line).isNull();
        assertThat(r.deadLetter.original).isEqualTo(line);
        return r.deadLetter.reason;
    }

    @Test
    void parsesAFullDocument() {
        ParsedRecord r =
                parser.parse("{\"id\":\"a\",\"text\":\"hello\",\"title\":\"T\",\"metadata\":{\"lang\":\"en\"}}", "t");
        assertThat(r.document).isEqualTo(new Document("a", "hello", "T", Map.of("lang", "en"), Document.UPSERT));
    }

    @Test
    void aDeleteNeedsNoText() {
        ParsedRecord r = parser.parse("{\"id\":\"a\",\"op\":\"delete\"}", "t");
        assertThat(r.document.op).isEqualTo(Document.DELETE);
    }

    @Test
    void malformedRecordsBecomeDeadLettersWithTheReason() {
        assertThat(reason("{not json")).startsWith("invalid JSON");
        assertThat(reason("[1,2]")).isEqualTo("expected a JSON object, got array");
        assertThat(reason("{\"text\":\"x\"}")).isEqualTo("missing required field 'id'");
        assertThat(reason("{\"id\":\"a\"}")).isEqualTo("missing required field 'text'");
        assertThat(reason("{\"id\":7,\"text\":\"x\"}")).isEqualTo("field 'id' must be a string, got number");
        assertThat(reason("{\"id\":\"a\",\"text\":[\"x\"]}")).isEqualTo("field 'text' must be a string, got array");
        assertThat(reason("{\"id\":\"a\",\"text\":\"  \"}")).isEqualTo("field 'text' is empty");
        assertThat(reason("{\"id\":\"a\",\"text\":\"x\",\"op\":\"merge\"}")).startsWith("unknown op \"merge\"");
        assertThat(reason("{\"id\":\"a\",\"text\":\"x\",\"metadata\":{\"n\":1}}"))
                .isEqualTo("metadata value 'n' must be a string, got number");
    }

    @Test
    void bytesThatAreNotUtf8AreKeptAsBase64() {
        byte[] bad = {'{', '"', 'i', 'd', '"', ':', (byte) 0xC3, (byte) 0x28, '}'};
        ParsedRecord r = parser.parse(bad, "t");
        assertThat(r.deadLetter.reason).isEqualTo("not valid UTF-8");
        assertThat(r.deadLetter.originalIsBase64).isTrue();
        assertThat(java.util.Base64.getDecoder().decode(r.deadLetter.original)).isEqualTo(bad);
        assertThat(r.deadLetter.toJsonLine()).contains("\"original_base64\"");
        assertThat(parser.parse("{\"id\":\"é\",\"text\":\"ü\"}".getBytes(StandardCharsets.UTF_8), "t").document.id)
                .isEqualTo("é");
    }

    @Test
    void fieldsAreMappedFromAnyJsonObject() {
        JsonDocumentParser mapped =
                new JsonDocumentParser(DocumentFields.of("tenant,sku", "name,description", "name", "price,tags"));
        ParsedRecord r = mapped.parse(
                "{\"tenant\":\"acme\",\"sku\":\"p-1\",\"name\":\"Pump\",\"description\":\"Moves water.\","
                        + "\"price\":9.5,\"tags\":[\"a\"],\"metadata\":{\"src\":\"feed\"}}",
                "t");
        assertThat(r.document)
                .isEqualTo(new Document(
                        "tenant=acme,sku=p-1",
                        "Pump\n\nMoves water.",
                        "Pump",
                        Map.of("src", "feed", "price", "9.5", "tags", "[\"a\"]"),
                        Document.UPSERT));
        assertThat(mapped.parse("{\"tenant\":\"acme\",\"name\":\"x\"}", "t").deadLetter.reason)
                .isEqualTo("missing required field 'sku'");
        assertThat(mapped.parse("{\"tenant\":\"a\",\"sku\":\"b\",\"name\":\"\"}", "t").deadLetter.reason)
                .isEqualTo("fields 'name', 'description' are all empty or missing");
    }
}
