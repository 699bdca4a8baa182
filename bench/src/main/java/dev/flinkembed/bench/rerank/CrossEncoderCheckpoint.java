package dev.flinkembed.bench.rerank;

import dev.flinkembed.bench.SafetensorsHeader;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.weights.OnnxInitializers;
import dev.flinkembed.runtime.weights.Tensor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A cross-encoder of cross-encoder/ms-marco-MiniLM-L-6-v2's exact shape (BertForSequenceClassification, 6 layers,
 * hidden 384, one label) with no download: the built-in all-MiniLM-L6-v2 encoder weights plus a seeded random pooler
 * and classifier, written as a Hugging Face folder ({@code bert.*}, {@code classifier.*}, F32). Its scores mean
 * nothing; its cost per pair is the real model's, which is what the benchmark measures.
 */
final class CrossEncoderCheckpoint {

    static final int HIDDEN = 384;

    /** The head, for the ONNX Runtime peers that run the encoder's ONNX graph and add the head themselves. */
    record Head(float[] poolerWeight, float[] poolerBias, float[] classifierWeight, float[] classifierBias) {}

    private CrossEncoderCheckpoint() {}

    static Head write(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.copy(
                BuiltinModels.minilmTokenizerFile(),
                folder.resolve("tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "hidden_size": 384,
                 "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536, "hidden_act": "gelu",
                 "max_position_embeddings": 512, "type_vocab_size": 2, "vocab_size": 30522, "layer_norm_eps": 1e-12,
                 "pad_token_id": 0, "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}}""");
        OnnxInitializers encoder =
                OnnxInitializers.parse(ByteBuffer.wrap(BuiltinModels.minilmOnnxBytes()), "all-minilm-l6-v2.onnx");
        SplittableRandom random = new SplittableRandom(7);
        Head head = new Head(
                gaussian(random, HIDDEN * HIDDEN, 1 / Math.sqrt(HIDDEN)),
                gaussian(random, HIDDEN, 0.02),
                gaussian(random, HIDDEN, 1 / Math.sqrt(HIDDEN)),
                gaussian(random, 1, 0.02));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (String name : encoder.names()) {
            Tensor t = encoder.get(name);
            shapes.put("bert." + name, t.shape());
            values.put("bert." + name, t.toFloatArray());
        }
        shapes.put("bert.pooler.dense.weight", new long[] {HIDDEN, HIDDEN});
        values.put("bert.pooler.dense.weight", head.poolerWeight());
        shapes.put("bert.pooler.dense.bias", new long[] {HIDDEN});
        values.put("bert.pooler.dense.bias", head.poolerBias());
        shapes.put("classifier.weight", new long[] {1, HIDDEN});
        values.put("classifier.weight", head.classifierWeight());
        shapes.put("classifier.bias", new long[] {1});
        values.put("classifier.bias", head.classifierBias());
        writeF32(folder.resolve("model.safetensors"), shapes, values);
        return head;
    }

    private static float[] gaussian(SplittableRandom random, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box–Muller
            v[i] = (float) (std
                    * Math.sqrt(-2 * Math.log(1 - random.nextDouble()))
                    * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return v;
    }

    private static void writeF32(Path file, Map<String, long[]> shapes, Map<String, float[]> values)
            throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(SafetensorsHeader.of(shapes, "F32", 4));
            for (var e : shapes.keySet()) {
                float[] v = values.get(e);
                ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                out.write(b.array());
            }
        }
    }
}
