package dev.flinkembed.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkembed.jobs.config.JobConfig;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.operators.chunking.Chunker;
import dev.flinkembed.operators.records.Chunk;
import dev.flinkembed.operators.records.Document;
import dev.flinkembed.operators.testing.KafkaBroker;
import dev.flinkembed.operators.testing.PgliteServer;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.pooling.Vectors;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * What the stream job's outputs must hold for a given set of final documents, and the assertions on them: the
 * pgvector table (chunks and vectors), the dead-letter topic and the vectors topic. Shared by the MiniCluster and the
 * standalone-cluster end-to-end tests.
 */
public final class StreamExpectations {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamExpectations() {}

    public static void send(KafkaProducer<byte[], byte[]> p, String topic, String key, String value) {
        p.send(new ProducerRecord<>(
                topic,
                key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
    }

    /** A document message as the stream job reads it. */
    public static String documentJson(String id, String text) {
        try {
            return "{\"id\":" + JSON.writeValueAsString(id) + ",\"text\":" + JSON.writeValueAsString(text) + "}";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Eleven kinds of malformed messages, in turn (the later ones carry the poison marker ZQXPOISON in their text,
     * which must never reach a log).
     */
    public static byte[] malformedMessage(int m) {
        String s = switch (m % 11) {
            case 0 -> "{\"id\": \"broken-" + m + "\", \"text\": "; // invalid JSON
            case 1 -> "{\"text\": \"no id here " + m + "\"}"; // missing id
            case 2 -> "{\"id\": \"no-text-" + m + "\"}"; // missing text
            case 3 -> "{\"id\": \"op-" + m + "\", \"text\": \"x\", \"op\": \"merge\"}"; // unknown op
            case 4 -> "[\"an\", \"array\", " + m + "]"; // not an object
            case 6 -> "{\"id\": \"nul-\\u0000-" + m + "\", \"text\": \"ZQXPOISON nul id\"}"; // NUL in the id
            case 7 -> "{\"id\": \"" + "i".repeat(600) + m + "\", \"text\": \"ZQXPOISON long id\"}"; // id too long
            case 8 ->
                "{\"id\": \"title-" + m + "\", \"text\": \"ZQXPOISON\", \"title\": \"" + "t".repeat(5000)
                        + "\"}"; // title too long
            case 9 -> "{\"id\": \"nulonly-" + m + "\", \"text\": \"\\u0000\", \"title\": \"ZQXPOISON\"}"; // only NUL
            case 10 -> "{\"id\": \"meta-" + m + "\", \"text\": \"ZQXPOISON\", \"metadata\": {\"n\": 1}}"; // wrong type
            default -> null;
        };
        if (s != null) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        return new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, (byte) m, '"', '}'
        }; // not UTF-8
    }

    /** The chunks the job must have written for these final documents, keyed "doc#chunk". */
    public static Map<String, Chunk> expectedChunks(JobConfig config, Map<String, String> texts) {
        try (InProcessEmbeddingModel model = InProcessEmbeddingModel.open(Settings.model(config))) {
            return expectedChunks(new Chunker(model.tokenizer(), Settings.chunking(config)), texts);
        }
    }

    /** As {@link #expectedChunks(JobConfig, Map)} with a chunker already made (one model load for many calls). */
    public static Map<String, Chunk> expectedChunks(Chunker chunker, Map<String, String> texts) {
        Map<String, Chunk> out = new LinkedHashMap<>();
        texts.forEach((id, text) -> {
            for (Chunk c : chunker.chunk(Document.of(id, text))) {
                out.put(id + "#" + c.chunkIndex, c);
            }
        });
        return out;
    }

    /** "doc#chunk hash" of the chunks in {@code now} that an index built from {@code before} lacks. */
    public static Set<String> chunksToEmbed(JobConfig config, Map<String, String> before, Map<String, String> now) {
        Set<String> old = new HashSet<>();
        expectedChunks(config, before)
                .values()
                .forEach(c -> old.add(c.docId + "#" + c.chunkIndex + " " + c.contentHash));
        Set<String> out = new HashSet<>();
        expectedChunks(config, now).values().forEach(c -> {
            String k = c.docId + "#" + c.chunkIndex + " " + c.contentHash;
            if (!old.contains(k)) {
                out.add(k);
            }
        });
        return out;
    }

    /** "doc#chunk" → "chunk_count text", the form {@link #tableTexts} reads the table in. */
    public static Map<String, String> texts(Map<String, Chunk> chunks) {
        Map<String, String> out = new HashMap<>();
        chunks.forEach((k, c) -> out.put(k, c.chunkCount + " " + c.text));
        return out;
    }

    public static Map<String, String> tableTexts(PgliteServer pg, String table) {
        Map<String, String> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, chunk_count, text FROM " + table)) {
            while (rs.next()) {
                out.put(rs.getString(1) + "#" + rs.getInt(2), rs.getInt(3) + " " + rs.getString(4));
            }
        } catch (Exception e) {
            return Map.of("error", e.toString());
        }
        return out;
    }

    public static long rowCount(PgliteServer pg, String table) {
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    /** Every stored vector equals the model's own for its chunk (cosine > 0.99999), and no chunk is missing. */
    public static void assertVectorsAreTheModels(
            PgliteServer pg, String table, JobConfig config, Map<String, Chunk> expected) throws Exception {
        Map<String, float[]> stored = new HashMap<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT doc_id, chunk_index, embedding::text FROM " + table)) {
            while (rs.next()) {
                stored.put(rs.getString(1) + "#" + rs.getInt(2), PgliteServer.parseVector(rs.getString(3)));
            }
        }
        assertVectorsAreTheModels(stored, config, expected);
    }

    /** The same for vectors read from any store ("doc#chunk" → vector). */
    public static void assertVectorsAreTheModels(
            Map<String, float[]> stored, JobConfig config, Map<String, Chunk> expected) throws Exception {
        List<String> keys = new ArrayList<>(expected.keySet());
        List<EmbeddingInput> inputs = keys.stream()
                .map(k -> EmbeddingInput.document(expected.get(k).embedText))
                .toList();
        List<Embedding> reference;
        try (InProcessEmbeddingModel model = InProcessEmbeddingModel.open(Settings.model(config))) {
            reference = model.embed(inputs).embeddings();
        }
        assertThat(stored.keySet()).isEqualTo(expected.keySet());
        double worst = 1;
        for (int i = 0; i < keys.size(); i++) {
            worst = Math.min(
                    worst,
                    Vectors.cosine(stored.get(keys.get(i)), reference.get(i).vector()));
        }
        System.out.printf("stream e2e: %d rows, worst cosine to the model's own vectors %.8f%n", keys.size(), worst);
        assertThat(worst).isGreaterThan(0.99999);
    }

    /** Each malformed message is in the dead-letter topic exactly once, with its original bytes and a reason. */
    public static void assertDeadLetters(KafkaBroker kafka, String sourceTopic, Map<String, byte[]> malformed) {
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(sourceTopic + ".dead-letter", true);
        Map<String, byte[]> byKey = new HashMap<>();
        Set<String> reasons = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            assertThat(byKey.put(key, r.value()))
                    .as("dead letter %s twice", key)
                    .isNull();
            Header reason = r.headers().lastHeader("flink-embed.reason");
            assertThat(reason).as("reason header of %s", key).isNotNull();
            reasons.add(new String(reason.value(), StandardCharsets.UTF_8));
            assertThat(new String(r.headers().lastHeader("flink-embed.source").value(), StandardCharsets.UTF_8))
                    .startsWith(sourceTopic + "/");
        }
        assertThat(byKey.keySet()).isEqualTo(malformed.keySet());
        malformed.forEach(
                (k, v) -> assertThat(byKey.get(k)).as("original bytes of %s", k).isEqualTo(v));
        System.out.println("stream e2e: " + reasons.size() + " distinct dead-letter reasons, e.g. "
                + reasons.stream().limit(3).toList());
        for (String kind : List.of(
                "invalid JSON",
                "missing required field 'id'",
                "missing required field 'text'",
                "not valid UTF-8",
                "expected a JSON object, got array",
                "unknown op \"merge\"")) {
            assertThat(reasons).as("a dead letter saying " + kind).anyMatch(r -> r.startsWith(kind));
        }
    }

    /**
     * The vectors topic, read as read_committed consumers see it, holds each chunk version and each delete once, and
     * replaying it in order gives the expected chunks.
     */
    public static void assertVectorsTopicHasNoDuplicates(
            KafkaBroker kafka, String topic, Map<String, Chunk> expected, int expectedDeletes) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> committed = kafka.readAll(topic, true);
        Set<String> seen = new HashSet<>();
        Map<String, String> latest = new HashMap<>();
        int deletes = 0;
        for (ConsumerRecord<byte[], byte[]> r : committed) {
            JsonNode n = JSON.readTree(r.value());
            String doc = n.get("doc_id").asText();
            if (n.get("op").asText().equals("delete")) {
                deletes++;
                assertThat(seen.add(doc + " delete"))
                        .as("delete of %s twice", doc)
                        .isTrue();
                latest.keySet().removeIf(k -> k.startsWith(doc + "#"));
                continue;
            }
            String key = doc + "#" + n.get("chunk_index").asInt();
            String version = key + " " + n.get("content_hash").asText();
            assertThat(seen.add(version))
                    .as("%s twice in the vectors topic", version)
                    .isTrue();
            int count = n.get("chunk_count").asInt();
            // A new version of a document replaces its chunks: drop the old ones beyond its chunk count.
            latest.keySet()
                    .removeIf(k -> k.startsWith(doc + "#") && Integer.parseInt(k.substring(doc.length() + 1)) >= count);
            latest.put(key, count + " " + n.get("text").asText());
        }
        int uncommitted = kafka.readAll(topic, false).size();
        System.out.printf(
                "stream e2e: vectors topic %d records read_committed (%d deletes), %d read_uncommitted%n",
                committed.size(), deletes, uncommitted);
        assertThat(deletes).isEqualTo(expectedDeletes);
        // When a failure caught a transaction with records in it, read_uncommitted shows them twice (printed above);
        // whether it did depends on timing, so only the read_committed view is asserted.
        assertThat(uncommitted).isGreaterThanOrEqualTo(committed.size());
        // Replaying the topic in order gives the table.
        assertThat(latest).isEqualTo(texts(expected));
    }

    /** Whether the read_committed vectors topic holds at least this many deletes (they commit with a checkpoint). */
    public static boolean committedDeletes(KafkaBroker kafka, String topic, int atLeast) {
        return kafka.readAll(topic, true).stream()
                        .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"op\":\"delete\""))
                        .count()
                >= atLeast;
    }
}
