package dev.flinkembed.jobs.poison;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.operators.testing.ParquetRows;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * Good documents mixed with records of every kind that has stopped pipelines elsewhere (see the README, "Bad
 * records"). Each poison record holds a unique token {@code ZQXPOISON-<name>} where it has text, so its dead letter
 * is found by content and the logs can be searched for {@link #MARKER} (it must never appear there).
 * Repaired documents (NUL, lone surrogates outside the id) land; the rest must each give exactly one dead letter
 * of the expected stage and kind.
 */
public final class PoisonCorpus {

    public static final String MARKER = "ZQXPOISON";
    /** chunking.max-document-chars for runs of this corpus: the "document too large" record is over it. */
    public static final int MAX_DOCUMENT_CHARS = 20_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A record that must become exactly one dead letter, found by {@code token} in its original; a Kafka tombstone
     * ({@code value} null) by {@code token} in its reason; a record without text ({@code token} null) by its value.
     */
    public record Poison(String name, byte[] key, byte[] value, String stage, String kind, String token) {}

    /** Documents that must land: id → the text that must be stored (after repairs), and what was repaired. */
    public final Map<String, String> landing = new LinkedHashMap<>();

    public final List<Poison> poisons = new ArrayList<>();
    /** The JSON Lines / Kafka values of the landing documents, in order (a duplicate id twice). */
    public final List<byte[]> good = new ArrayList<>();

    public final List<String> goodIds = new ArrayList<>();

    public static String token(String name) {
        return MARKER + "-" + name;
    }

    /** {@code goodDocuments} real documents plus every poison kind JSON can carry. */
    public static PoisonCorpus json(int goodDocuments) throws Exception {
        PoisonCorpus c = new PoisonCorpus();
        List<GenericRecord> sample = ParquetRows.head(TestCorpus.SAMPLE, goodDocuments);
        for (GenericRecord r : sample) {
            c.land(r.get("id").toString(), r.get("text").toString(), null, null);
        }
        // Repaired, and land: NUL removed, lone surrogates replaced.
        c.land(
                "repaired-nul-title",
                "Text of a document whose title holds a NUL " + token("nul-title"),
                "bad\u0000title",
                null);
        c.land("repaired-nul-text", "Text with a NUL\u0000inside " + token("nul-text"), null, null);
        c.land(
                "repaired-nul-metadata",
                "Text whose metadata holds NULs " + token("nul-metadata"),
                null,
                Map.of("ke\u0000y", "val\u0000ue"));
        c.land(
                "repaired-surrogate-text",
                "Text with a lone surrogate \ud800 here " + token("surrogate-text"),
                null,
                null);
        c.land(
                "repaired-surrogate-title",
                "Text whose title has a lone surrogate " + token("surrogate-title"),
                "title \udc00",
                null);
        // The same document twice: the later version is the one a table keeps.
        c.land("duplicate", "First version of a duplicated document " + token("duplicate-1"), null, null);
        c.land("duplicate", "Second version of a duplicated document " + token("duplicate-2"), null, null);

        // Refused while parsing.
        c.poison(
                "invalid-json",
                "{\"id\":\"p-json\",\"text\":\"" + token("invalid-json") + " never closed",
                "parse",
                "invalid-json");
        byte[] notUtf8 =
                ("{\"id\":\"p-utf8\",\"text\":\"" + token("not-utf8") + " \u0000\"}").getBytes(StandardCharsets.UTF_8);
        notUtf8[notUtf8.length - 3] = (byte) 0xC3; // the NUL escape's bytes become an invalid sequence
        notUtf8[notUtf8.length - 2] = (byte) 0x28;
        c.poisons.add(new Poison("not-utf8", null, notUtf8, "parse", "not-utf8", token("not-utf8")));
        c.poison("not-an-object", "[\"" + token("not-an-object") + "\"]", "parse", "not-an-object");
        c.poison("missing-id", "{\"text\":\"" + token("missing-id") + "\"}", "parse", "missing-field");
        c.poison(
                "missing-text",
                "{\"id\":\"p-notext\",\"title\":\"" + token("missing-text") + "\"}",
                "parse",
                "missing-field");
        c.poison(
                "blank-text",
                "{\"id\":\"p-blank\",\"text\":\"   \",\"title\":\"" + token("blank-text") + "\"}",
                "parse",
                "empty-field");
        c.poison(
                "nul-only-text",
                "{\"id\":\"p-nulonly\",\"text\":\"\\u0000\\u0000\",\"title\":\"" + token("nul-only-text") + "\"}",
                "parse",
                "empty-field");
        c.poison("id-not-a-string", "{\"id\":17,\"text\":\"" + token("id-not-a-string") + "\"}", "parse", "wrong-type");
        c.poison(
                "text-not-a-string",
                "{\"id\":\"p-texttype\",\"text\":[\"" + token("text-not-a-string") + "\"]}",
                "parse",
                "wrong-type");
        c.poison(
                "title-not-a-string",
                "{\"id\":\"p-titletype\",\"text\":\"" + token("title-not-a-string") + "\",\"title\":{\"a\":1}}",
                "parse",
                "wrong-type");
        c.poison(
                "metadata-not-an-object",
                "{\"id\":\"p-meta\",\"text\":\"" + token("metadata-not-an-object") + "\",\"metadata\":\"x\"}",
                "parse",
                "wrong-type");
        c.poison(
                "metadata-value-not-a-string",
                "{\"id\":\"p-metavalue\",\"text\":\"" + token("metadata-value-not-a-string")
                        + "\",\"metadata\":{\"n\":1}}",
                "parse",
                "wrong-type");
        c.poison(
                "unknown-op",
                "{\"id\":\"p-op\",\"op\":\"upsert!\",\"text\":\"" + token("unknown-op") + "\"}",
                "parse",
                "unknown-op");
        c.poison("nul-in-id", "{\"id\":\"p-\\u0000-id\",\"text\":\"" + token("nul-in-id") + "\"}", "parse", "bad-id");
        c.poison(
                "surrogate-in-id",
                "{\"id\":\"p-\\ud800-id\",\"text\":\"" + token("surrogate-in-id") + "\"}",
                "parse",
                "bad-id");
        c.poison(
                "id-too-long",
                "{\"id\":\"" + "\u4e00".repeat(1000) + "\",\"text\":\"" + token("id-too-long") + "\"}",
                "parse",
                "bad-id");
        c.poison(
                "title-too-long",
                "{\"id\":\"p-longtitle\",\"text\":\"" + token("title-too-long") + "\",\"title\":\"" + "t".repeat(5000)
                        + "\"}",
                "parse",
                "too-large");
        c.poison(
                "metadata-too-large",
                "{\"id\":\"p-bigmeta\",\"text\":\"" + token("metadata-too-large") + "\",\"metadata\":{\"blob\":\""
                        + "m".repeat(70_000) + "\"}}",
                "parse",
                "too-large");
        c.poison("null", "null", "parse", "not-an-object", null);
        // Refused while chunking.
        c.poison(
                "document-too-large",
                "{\"id\":\"p-bigdoc\",\"text\":\"" + token("document-too-large") + " "
                        + "word ".repeat(MAX_DOCUMENT_CHARS / 5 + 10) + "\"}",
                "chunk",
                "too-large");
        return c;
    }

    private void land(String id, String text, String title, Map<String, String> metadata) throws Exception {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", id);
        doc.put("text", text);
        if (title != null) {
            doc.put("title", title);
        }
        if (metadata != null) {
            doc.put("metadata", metadata);
        }
        good.add(JSON.writeValueAsBytes(doc));
        goodIds.add(id);
        landing.put(id, text.replace("\u0000", "").replace("\ud800", "\ufffd"));
    }

    private void poison(String name, String json, String stage, String kind) {
        poison(name, json, stage, kind, token(name));
    }

    private void poison(String name, String json, String stage, String kind, String token) {
        poisons.add(new Poison(name, null, json.getBytes(StandardCharsets.UTF_8), stage, kind, token));
    }

    /** A poison the table refuses (a trigger on the table rejects texts holding its token): only for pgvector. */
    public void addStoreRefusal() {
        poison(
                "refused-by-store",
                "{\"id\":\"p-store\",\"text\":\"" + token("refused-by-store") + "\"}",
                "write",
                "refused-by-store");
    }

    /** The SQL that makes {@code table} refuse the store-refusal poison with a check violation (23514). */
    public static String[] storeRefusalTrigger(String table) {
        return new String[] {
            "CREATE FUNCTION " + table + "_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF NEW.text LIKE '%" + token("refused-by-store") + "%' THEN RAISE EXCEPTION 'refused by policy' "
                    + "USING ERRCODE = '23514'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER " + table + "_refuse BEFORE INSERT OR UPDATE ON " + table
                    + " FOR EACH ROW EXECUTE FUNCTION " + table + "_refuse()"
        };
    }

    /** Every record, good and poison, interleaved (poisons spread among the good ones), as JSON Lines. */
    public byte[] jsonLines() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] v : interleaved()) {
            out.writeBytes(v);
            out.write('\n');
        }
        return out.toByteArray();
    }

    public List<byte[]> interleaved() {
        List<byte[]> all = new ArrayList<>(good);
        int step = Math.max(1, all.size() / Math.max(1, poisons.size()));
        for (int i = 0; i < poisons.size(); i++) {
            all.add(Math.min(all.size(), i * (step + 1)), poisons.get(i).value);
        }
        return all;
    }

    /** Landing ids when duplicates collapse (a table keeps the last version). */
    public Map<String, String> landingLastWins() {
        return landing; // put() already kept the last version per id
    }
}
