package dev.flinkembed.operators.changes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.records.Document;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class SkipUnchangedDocumentsTest {

    static Document doc(String id, String text, Map<String, String> metadata) {
        return new Document(id, text, "T", metadata, Document.UPSERT);
    }

    @Test
    void onlyChangesThatChangeSomethingPass() throws Exception {
        List<Document> in = List.of(
                doc("a", "one", null),
                doc("b", "two", null),
                doc("a", "one", null), // the same again: skipped
                doc("a", "one", Map.of("k", "v")), // metadata changed: passes
                doc("a", "one", Map.of("k", "v")), // skipped
                new Document("a", null, null, null, Document.DELETE),
                doc("a", "one", Map.of("k", "v")), // after a delete it is new again
                doc("b", "two!", null));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        List<Document> out = env.fromData(in)
                .setParallelism(1)
                .keyBy(d -> d.id)
                .process(new SkipUnchangedDocuments())
                .executeAndCollect(100);
        assertThat(out.stream().map(d -> d.id + ":" + d.op + ":" + d.text + ":" + d.metadata))
                .containsExactlyInAnyOrder(
                        "a:upsert:one:null",
                        "b:upsert:two:null",
                        "a:upsert:one:{k=v}",
                        "a:delete:null:null",
                        "a:upsert:one:{k=v}",
                        "b:upsert:two!:null");
    }

    @Test
    void theFingerprintSeparatesFieldsAndIgnoresMetadataOrder() {
        assertThat(SkipUnchangedDocuments.fingerprint(doc("x", "ab", null)))
                .isNotEqualTo(SkipUnchangedDocuments.fingerprint(new Document("x", "a", "bT", null, "upsert")));
        assertThat(SkipUnchangedDocuments.fingerprint(doc("x", "t", Map.of("a", "1", "b", "2"))))
                .isEqualTo(SkipUnchangedDocuments.fingerprint(
                        doc("x", "t", new java.util.TreeMap<>(Map.of("b", "2", "a", "1")).descendingMap())));
        assertThat(SkipUnchangedDocuments.fingerprint(doc("x", "t", null))).hasSize(16);
    }
}
