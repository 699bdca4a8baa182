package dev.flinkembed.operators.sources;

import dev.flinkembed.operators.records.DeadLetter;
import dev.flinkembed.operators.records.Document;

/** What a source read: a document, or a dead letter saying why the record is not one. Exactly one is set. */
public class ParsedRecord {

    public Document document;
    public DeadLetter deadLetter;

    public ParsedRecord() {}

    public static ParsedRecord ok(Document d) {
        ParsedRecord r = new ParsedRecord();
        r.document = d;
        return r;
    }

    public static ParsedRecord dead(DeadLetter d) {
        ParsedRecord r = new ParsedRecord();
        r.deadLetter = d;
        return r;
    }
}
