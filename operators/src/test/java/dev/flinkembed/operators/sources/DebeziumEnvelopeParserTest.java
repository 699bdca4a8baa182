package dev.flinkembed.operators.sources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.records.Document;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Envelopes as Debezium's PostgreSQL connector writes them through Kafka Connect's JSON converter. */
class DebeziumEnvelopeParserTest {

    static final DocumentFields ARTICLES = DocumentFields.of(null, "title,body", "headline", "lang,views");

    static final String SOURCE = "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\","
            + "\"name\":\"shop\",\"db\":\"shop\",\"schema\":\"public\",\"table\":\"articles\",\"lsn\":2345}";

    static String event(String op, String before, String after) {
        return "{\"before\":" + before + ",\"after\":" + after + "," + SOURCE + ",\"op\":\"" + op
                + "\",\"ts_ms\":1733450000000,\"transaction\":null}";
    }

    static String withSchema(String payload) {
        return "{\"schema\":{\"type\":\"struct\",\"fields\":[],\"optional\":false,\"name\":\"shop.public.articles"
                + ".Envelope\"},\"payload\":" + payload + "}";
    }

    static final String ROW = "{\"id\":7,\"title\":\"Pumps\",\"body\":\"How pumps work.\",\"headline\":\"H\","
            + "\"lang\":\"en\",\"views\":12,\"secret_note\":\"x\"}";

    static ParsedRecord parse(DocumentFields fields, String key, String value) {
        return new DebeziumEnvelopeParser(fields)
                .parse(
                        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                        value == null ? null : value.getBytes(StandardCharsets.UTF_8),
                        "t/0@1");
    }

    @Test
    void insertsSnapshotReadsAndUpdatesUpsertTheRowAfter() {
        for (String op : new String[] {"c", "r", "u"}) {
            ParsedRecord r = parse(ARTICLES, "{\"id\":7}", event(op, "null", ROW));
            assertThat(r.document)
                    .as(op)
                    .isEqualTo(new Document(
                            "7", "Pumps\n\nHow pumps work.", "H", Map.of("lang", "en", "views", "12"), "upsert"));
        }
    }

    @Test
    void theSchemaWrapperIsTheSameEventOnKeyAndValue() {
        ParsedRecord plain = parse(ARTICLES, "{\"id\":7}", event("u", "null", ROW));
        ParsedRecord wrapped = parse(
                ARTICLES,
                "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"field\":\"id\"}]},"
                        + "\"payload\":{\"id\":7}}",
                withSchema(event("u", "null", ROW)));
        assertThat(wrapped.document).isEqualTo(plain.document);
    }

    @Test
    void deletesAndTombstonesDeleteByTheKey() {
        ParsedRecord d = parse(ARTICLES, "{\"id\":7}", event("d", "{\"id\":7}", "null"));
        assertThat(d.document.id).isEqualTo("7");
        assertThat(d.document.op).isEqualTo(Document.DELETE);
        ParsedRecord tombstone = parse(ARTICLES, "{\"id\":7}", null);
        assertThat(tombstone.document.id).isEqualTo("7");
        assertThat(tombstone.document.op).isEqualTo(Document.DELETE);
        ParsedRecord wrappedTombstone = parse(ARTICLES, "{\"id\":7}", withSchema("null"));
        assertThat(wrappedTombstone.document.op).isEqualTo(Document.DELETE);
    }

    @Test
    void aCompositeKeyIsStableAndEscaped() {
        String key = "{\"tenant\":\"acme,inc\",\"sku\":\"a=b\",\"n\":3}";
        ParsedRecord up = parse(ARTICLES, key, event("c", "null", ROW));
        ParsedRecord del = parse(ARTICLES, key, event("d", "{}", "null"));
        assertThat(up.document.id).isEqualTo("tenant=acme\\,inc,sku=a\\=b,n=3");
        assertThat(del.document.id).isEqualTo(up.document.id);
    }

    @Test
    void configuredIdFieldsComeFromTheRowAndFromBeforeOnDeletes() {
        DocumentFields bySku = DocumentFields.of("lang,id", "body", null, null);
        assertThat(parse(bySku, "{\"id\":7}", event("c", "null", ROW)).document.id)
                .isEqualTo("lang=en,id=7");
        assertThat(parse(bySku, null, event("d", "{\"id\":7,\"lang\":\"en\"}", "null")).document.id)
                .isEqualTo("lang=en,id=7");
    }

    @Test
    void malformedEventsAreDeadLettersWithTheReason() {
        assertThat(parse(ARTICLES, "{\"id\":7}", "{\"id\":7,\"text\":\"not an envelope\"}").deadLetter.reason)
                .startsWith("not a Debezium change event: no field 'op'");
        assertThat(parse(ARTICLES, "{\"id\":7}", event("u", "null", "null")).deadLetter.reason)
                .isEqualTo("op 'u' without the row in 'after'");
        assertThat(parse(ARTICLES, "{\"id\":7}", event("t", "null", "null")).deadLetter.kind)
                .isEqualTo(JsonDocumentParser.UNKNOWN_OP);
        assertThat(parse(ARTICLES, null, event("c", "null", ROW)).deadLetter.reason)
                .startsWith("the message has no key");
        assertThat(parse(ARTICLES, "7", event("c", "null", ROW)).deadLetter.reason)
                .startsWith("the message key is not a Debezium JSON key");
        assertThat(parse(ARTICLES, "{\"id\":7}", event("c", "null", "{\"id\":7,\"title\":null,\"body\":\" \"}"))
                        .deadLetter
                        .reason)
                .isEqualTo("fields 'title', 'body' are all empty or missing");
        assertThat(parse(ARTICLES, "{\"id\":7}", "{\"op\":\"c\",\"after\":{\"title\":5}}").deadLetter.reason)
                .isEqualTo("field 'title' must be a string, got number");
        assertThat(parse(ARTICLES, "{\"id\":7}", "{nope").deadLetter.kind).isEqualTo(JsonDocumentParser.INVALID_JSON);
        ParsedRecord tombstoneWithoutKey = parse(ARTICLES, null, null);
        assertThat(tombstoneWithoutKey.deadLetter.reason).startsWith("tombstone (null value): the message has no key");
    }

    @Test
    void debeziumsPlaceholderForAnUnchangedToastedColumnIsNeverEmbedded() {
        ParsedRecord r = parse(
                ARTICLES,
                "{\"id\":7}",
                event("u", "null", "{\"id\":7,\"title\":\"Pumps\",\"body\":\"__debezium_unavailable_value\"}"));
        assertThat(r.deadLetter.kind).isEqualTo(DebeziumEnvelopeParser.UNAVAILABLE_VALUE);
        assertThat(r.deadLetter.reason).contains("field 'body'").contains("REPLICA IDENTITY FULL");
    }

    @Test
    void theRowIsRepairedAndCheckedByTheDocumentPolicy() {
        ParsedRecord r = parse(
                ARTICLES, "{\"id\":\"a\\u0000b\"}", event("c", "null", "{\"id\":1,\"title\":\"x\",\"body\":\"y\"}"));
        assertThat(r.deadLetter.kind).isEqualTo(DocumentPolicy.BAD_ID);
        ParsedRecord repaired =
                parse(ARTICLES, "{\"id\":1}", event("c", "null", "{\"id\":1,\"title\":\"a\\u0000b\",\"body\":null}"));
        assertThat(repaired.document.text).isEqualTo("ab");
    }
}
