package dev.flinkembed.operators.sources;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class ParquetRecordConverterTest {

    private static final Schema SCHEMA = SchemaBuilder.record("doc")
            .fields()
            .optionalString("pkg")
            .optionalString("body")
            .optionalString("headline")
            .optionalLong("n")
            .endRecord();

    private static GenericData.Record row(Object pkg, Object body, Object headline) {
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("pkg", pkg);
        r.put("body", body);
        r.put("headline", headline);
        r.put("n", 7L);
        return r;
    }

    private final ParquetRecordConverter converter =
            new ParquetRecordConverter(new ParquetColumns("pkg", "body", "headline"));

    @Test
    void configuredColumnsBecomeIdTextAndTitle() {
        ParsedRecord r = converter.convert(row(new Utf8("vim"), "Vi IMproved", "Editor"), "file row 0");
        assertThat(r.document.id).isEqualTo("vim");
        assertThat(r.document.text).isEqualTo("Vi IMproved");
        assertThat(r.document.title).isEqualTo("Editor");
        assertThat(converter.convert(row("vim", "Vi IMproved", null), "x").document.title)
                .isNull();
    }

    @Test
    void nullsBlanksAndWrongTypesAreDeadLettersKeepingTheRow() {
        assertThat(converter.convert(row(null, "t", null), "x").deadLetter.reason)
                .isEqualTo("missing required column 'pkg' (null)");
        assertThat(converter.convert(row("a", " ", null), "x").deadLetter.reason)
                .isEqualTo("column 'body' is empty");
        ParsedRecord wrong = new ParquetRecordConverter(new ParquetColumns("pkg", "n", null))
                .convert(row("a", "t", null), "file row 3");
        assertThat(wrong.deadLetter.reason).isEqualTo("column 'n' must be a string, got long 7");
        assertThat(wrong.deadLetter.source).isEqualTo("file row 3");
        assertThat(wrong.deadLetter.original).contains("\"pkg\": \"a\"");
        assertThat(new ParquetRecordConverter(new ParquetColumns("id", "body", null))
                        .convert(row("a", "t", null), "x")
                        .deadLetter
                        .reason)
                .startsWith("no column 'id' in this file; columns: [pkg, body, headline, n]");
    }

    @Test
    void severalTextColumnsAreJoinedAndMetadataColumnsCopied() {
        ParquetRecordConverter mapped =
                new ParquetRecordConverter(new ParquetColumns("pkg", "headline, body", null, "n,headline"));
        ParsedRecord r = mapped.convert(row("vim", "Vi IMproved", "Editor"), "x");
        assertThat(r.document.text).isEqualTo("Editor\n\nVi IMproved");
        assertThat(r.document.metadata).containsExactly(Map.entry("n", "7"), Map.entry("headline", "Editor"));
        assertThat(mapped.convert(row("vim", "only the body", null), "x").document.text)
                .isEqualTo("only the body");
        assertThat(mapped.convert(row("vim", null, " "), "x").deadLetter.reason)
                .isEqualTo("columns 'headline', 'body' are all empty or null");
    }
}
