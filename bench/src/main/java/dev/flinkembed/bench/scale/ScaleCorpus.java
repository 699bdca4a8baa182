package dev.flinkembed.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;

/**
 * A generated corpus of any size with the Debian descriptions' lengths: document {@code i} is a Debian description
 * drawn at random with about a third of its words replaced by words drawn from the whole corpus, so lengths (and
 * chunk counts) follow the real distribution while no two texts are alike. Reproducible: the same seed, sizes and
 * source give the same bytes. Written as many Parquet files ({@code part-00000.parquet}, ...) of
 * {@code rowsPerFile} rows, as a corpus lands in object storage; {@link #changed} marks the 1% a reindex sees
 * changed.
 */
public final class ScaleCorpus {

    static final Schema SCHEMA = SchemaBuilder.record("Document")
            .fields()
            .requiredString("id")
            .requiredString("text")
            .endRecord();

    private final List<String> texts;
    private final String[] vocabulary;
    private final long seed;

    private ScaleCorpus(List<String> texts, String[] vocabulary, long seed) {
        this.texts = texts;
        this.vocabulary = vocabulary;
        this.seed = seed;
    }

    /** Reads the {@code text} column of {@code source} (the Debian descriptions). */
    public static ScaleCorpus from(Path source, long seed) throws IOException {
        List<String> texts = new ArrayList<>();
        List<String> words = new ArrayList<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(source))
                .build()) {
            GenericRecord g;
            while ((g = r.read()) != null) {
                String text = g.get("text").toString();
                texts.add(text);
                if (texts.size() % 16 == 0) { // a sample of the words is vocabulary enough
                    for (String w : text.split(" ")) {
                        if (!w.isBlank() && w.indexOf('\n') < 0) {
                            words.add(w);
                        }
                    }
                }
            }
        }
        return new ScaleCorpus(texts, words.toArray(String[]::new), seed);
    }

    public static String id(int i) {
        return String.format("doc-%08d", i);
    }

    /** Whether document {@code i} is one of the 1% a reindex run sees changed. */
    public static boolean changed(int i) {
        return i % 100 == 50;
    }

    /** Document {@code i}'s text; {@code changed} appends a sentence to the 1% of {@link #changed}. */
    public String text(int i, boolean changedVersion) {
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + i);
        String[] words = texts.get(rnd.nextInt(texts.size())).split(" ", -1);
        for (int w = 0; w < words.length; w++) {
            if (rnd.nextInt(3) == 0 && !words[w].isEmpty() && words[w].indexOf('\n') < 0) {
                words[w] = vocabulary[rnd.nextInt(vocabulary.length)];
            }
        }
        String text = String.join(" ", words);
        return changedVersion && changed(i) ? text + " Updated for the scale benchmark." : text;
    }

    /** Writes documents {@code [0, docs)} under {@code dir}; returns the files written. */
    public List<Path> write(Path dir, int docs, int rowsPerFile, boolean changedVersion) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (int from = 0; from < docs; from += rowsPerFile) {
            Path file = dir.resolve(String.format("part-%05d.parquet", files.size()));
            Files.deleteIfExists(file);
            try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                    .withSchema(SCHEMA)
                    .withCompressionCodec(CompressionCodecName.ZSTD)
                    .build()) {
                for (int i = from; i < Math.min(docs, from + rowsPerFile); i++) {
                    GenericData.Record r = new GenericData.Record(SCHEMA);
                    r.put("id", id(i));
                    r.put("text", text(i, changedVersion));
                    w.write(r);
                }
            }
            files.add(file);
        }
        return files;
    }
}
