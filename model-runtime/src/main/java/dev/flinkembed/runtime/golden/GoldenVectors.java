package dev.flinkembed.runtime.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.EmbeddingModel;
import dev.flinkembed.runtime.api.Role;
import dev.flinkembed.runtime.pooling.Vectors;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's vectors for a fixed set of probe texts, written once where the model is known to be right
 * ({@code flink-embed golden}) and checked wherever it is loaded: a wrong folder, another tokenizer, a corrupted
 * weight (the weights' fingerprint samples only the ends of each tensor) or a machine whose native libraries
 * compute differently shows as a probe whose vector moved.
 */
public record GoldenVectors(String source, String model, String fingerprint, int dimensions, List<Probe> probes)
        implements Serializable {

    /** Cosine every probe must reach against its stored vector (fp32 models; see {@link #minCosine}). */
    public static final double MIN_COSINE = 0.9999;

    /**
     * The cosine a model of {@code precision} must reach: golden vectors are written in fp32, the reference, and a
     * lower precision moves every vector a little (measured worst probe: fp16 on the Qwen3 fixtures 0.9999+, int8 on
     * the built-in models ≥ 0.99 — see docs/int8.md), so its bound is looser but still far above what a wrong model,
     * tokenizer or weight gives (below 0.9).
     */
    public static double minCosine(String precision) {
        return switch (precision == null ? "fp32" : precision) {
            case "int8" -> 0.98;
            case "fp16" -> 0.999;
            default -> MIN_COSINE;
        };
    }

    public record Probe(String text, Role role, float[] vector) implements Serializable {}

    /** Short and long, prose and code, several scripts, documents and queries. */
    static final List<EmbeddingInput> PROBES = List.of(
            EmbeddingInput.document("The quick brown fox jumps over the lazy dog."),
            EmbeddingInput.document("Apache Flink is a framework and distributed processing engine for stateful "
                    + "computations over unbounded and bounded data streams."),
            EmbeddingInput.document("libssl3: Secure Sockets Layer toolkit - shared libraries. This package is part of "
                    + "the OpenSSL project's implementation of the SSL and TLS cryptographic protocols."),
            EmbeddingInput.document("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)"),
            EmbeddingInput.document("Der schnelle braune Fuchs springt über den faulen Hund. Ça va très bien."),
            EmbeddingInput.document("向量数据库用于存储嵌入向量。 ベクトル検索はとても速いです。"),
            EmbeddingInput.document("a"),
            EmbeddingInput.document(
                    ("Embeddings turn text into vectors so that similar meanings lie close together. ").repeat(12)),
            EmbeddingInput.query("how do I install a web server on debian"),
            EmbeddingInput.query("what is a vector index"));

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The model's vectors for the probes. */
    public static GoldenVectors compute(EmbeddingModel model) {
        List<Embedding> vectors = model.embed(PROBES).embeddings();
        List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < PROBES.size(); i++) {
            probes.add(new Probe(
                    PROBES.get(i).text(), PROBES.get(i).role(), vectors.get(i).vector()));
        }
        return new GoldenVectors(
                null,
                model.info().name(),
                model.info().fingerprint(),
                model.info().dimensions(),
                probes);
    }

    /**
     * Checks {@code model} against these vectors; throws {@link IllegalStateException} naming the worst probe when a
     * probe's cosine is below {@link #MIN_COSINE} (or the dimensions differ). Returns the worst cosine.
     */
    public double check(EmbeddingModel model) {
        String where = source == null ? "" : " (" + source + ")";
        if (model.info().dimensions() != dimensions) {
            throw new IllegalStateException("model " + model.info().name() + " does not match its golden vectors"
                    + where + ": it makes " + model.info().dimensions() + "-dimensional vectors, the golden ones have "
                    + dimensions);
        }
        List<Embedding> now = model.embed(probes.stream()
                        .map(p -> new EmbeddingInput(p.text(), p.role()))
                        .toList())
                .embeddings();
        double worst = 1;
        int worstAt = -1;
        for (int i = 0; i < probes.size(); i++) {
            double cos = Vectors.cosine(now.get(i).vector(), probes.get(i).vector());
            if (Double.isNaN(cos)) {
                cos = -1; // NaN in the vector: as wrong as it gets
            }
            if (cos < worst || worstAt < 0) {
                worst = cos;
                worstAt = i;
            }
        }
        double bound = minCosine(model.info().precision());
        if (worst < bound) {
            String text = probes.get(worstAt).text();
            throw new IllegalStateException(String.format(
                    "model %s does not match its golden vectors%s: probe %d "
                            + "(\"%s\") has cosine %.6f to its golden vector, below %s. A different model folder or "
                            + "tokenizer, corrupted weights, or native libraries that compute differently on this "
                            + "machine",
                    model.info().name(),
                    where,
                    worstAt,
                    text.length() > 40 ? text.substring(0, 40) + "…" : text,
                    worst,
                    bound + " (" + model.info().precision() + ")"));
        }
        return worst;
    }

    public void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode()
                .put("format", "flink-embed-golden/1")
                .put("model", model)
                .put("fingerprint", fingerprint)
                .put("dimensions", dimensions);
        ArrayNode array = root.putArray("probes");
        for (Probe p : probes) {
            ObjectNode n =
                    array.addObject().put("text", p.text()).put("role", p.role().name());
            ArrayNode v = n.putArray("embedding");
            for (float f : p.vector()) {
                v.add(f);
            }
        }
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    /** Reads a file written by {@link #write}; IllegalArgumentException naming the file when it is not one. */
    public static GoldenVectors read(Path file) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (!"flink-embed-golden/1".equals(root.path("format").asText())) {
                throw new IllegalArgumentException(
                        file + " is not a golden-vectors file (written by " + "`flink-embed golden`)");
            }
            List<Probe> probes = new ArrayList<>();
            for (JsonNode n : root.path("probes")) {
                float[] v = new float[n.path("embedding").size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) n.path("embedding").get(i).asDouble();
                }
                probes.add(new Probe(
                        n.path("text").asText(), Role.valueOf(n.path("role").asText()), v));
            }
            if (probes.isEmpty()) {
                throw new IllegalArgumentException(file + " holds no probes");
            }
            return new GoldenVectors(
                    file.toString(),
                    root.path("model").asText(),
                    root.path("fingerprint").asText(),
                    root.path("dimensions").asInt(),
                    probes);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read golden vectors from " + file + ": " + e.getMessage(), e);
        }
    }
}
