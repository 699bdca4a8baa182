package dev.flinkembed.runtime.loading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.SharedBuiltin;
import dev.flinkembed.runtime.TestTexts;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.weights.OnnxInitializers;
import dev.flinkembed.runtime.weights.SafetensorsWriter;
import dev.flinkembed.runtime.weights.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face BERT folder (config.json, tokenizer.json, safetensors, sentence-transformers files), made from the
 * built-in model's real weights: as PyTorch saves them (bert. prefix, [out, in] layout), as one F32 file, as BF16
 * shards.
 */
class HuggingFaceFolderTest {

    @TempDir
    static Path dir;

    static Map<String, Tensor> weights;
    static List<String> texts = TestTexts.varied().subList(0, 20);
    static List<Embedding> builtin;

    @BeforeAll
    static void exportBuiltinWeights() {
        OnnxInitializers onnx = OnnxInitializers.parse(ByteBuffer.wrap(BuiltinModels.minilmOnnxBytes()), "test");
        weights = new LinkedHashMap<>();
        for (String name : onnx.names()) {
            if (name.startsWith("embeddings.") || name.startsWith("encoder.")) {
                Tensor t = onnx.get(name);
                weights.put("bert." + name, new Tensor("bert." + name, t.shape(), t.data()));
            }
        }
        builtin = SharedBuiltin.model()
                .embed(texts.stream().map(EmbeddingInput::document).toList())
                .embeddings();
    }

    private static Path folder(String name) throws Exception {
        Path f = Files.createDirectories(dir.resolve(name));
        Files.writeString(f.resolve("config.json"), """
                {"model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
                 "intermediate_size": 1536, "vocab_size": 30522, "max_position_embeddings": 512,
                 "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu", "pad_token_id": 0}""");
        Files.copy(BuiltinModels.minilmTokenizerFile(), f.resolve("tokenizer.json"));
        Files.writeString(f.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 256}");
        Files.createDirectories(f.resolve("1_Pooling"));
        Files.writeString(
                f.resolve("1_Pooling/config.json"),
                "{\"word_embedding_dimension\": 384, \"pooling_mode_mean_tokens\": true}");
        Files.writeString(f.resolve("modules.json"), "[{\"type\": \"sentence_transformers.models.Normalize\"}]");
        return f;
    }

    private static List<Embedding> embed(Path folder) {
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelOptions.defaults(folder.toString()))) {
            assertThat(m.info().maxTokens()).isEqualTo(256);
            assertThat(m.info().pooling()).isEqualTo("mean");
            return m.embed(texts.stream().map(EmbeddingInput::document).toList())
                    .embeddings();
        }
    }

    @Test
    void aSingleF32FileGivesTheBuiltinVectors() throws Exception {
        Path f = folder("f32");
        SafetensorsWriter.write(f.resolve("model.safetensors"), weights, "F32");
        List<Embedding> got = embed(f);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(Vectors.cosine(got.get(i).vector(), builtin.get(i).vector()))
                    .isGreaterThanOrEqualTo(0.99999);
        }
    }

    @Test
    void bf16ShardsThroughAnIndexAreWidenedAndStayClose() throws Exception {
        Path f = folder("bf16-sharded");
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"weight_map\": {");
        int i = 0;
        for (var e : weights.entrySet()) {
            boolean one = i++ % 2 == 0;
            (one ? first : second).put(e.getKey(), e.getValue());
            index.append(i > 1 ? "," : "")
                    .append('"')
                    .append(e.getKey())
                    .append("\": \"")
                    .append(one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors")
                    .append('"');
        }
        index.append("}}");
        SafetensorsWriter.write(f.resolve("model-00001-of-00002.safetensors"), first, "BF16");
        SafetensorsWriter.write(f.resolve("model-00002-of-00002.safetensors"), second, "BF16");
        Files.writeString(f.resolve("model.safetensors.index.json"), index.toString());
        List<Embedding> got = embed(f);
        for (int k = 0; k < texts.size(); k++) {
            // BF16 keeps 8 bits of mantissa: close to, not equal to, the F32 model.
            assertThat(Vectors.cosine(got.get(k).vector(), builtin.get(k).vector()))
                    .isGreaterThan(0.98);
        }
    }

    @Test
    void aMissingWeightIsNamed() throws Exception {
        Path f = folder("missing");
        Map<String, Tensor> partial = new LinkedHashMap<>(weights);
        partial.remove("bert.encoder.layer.3.output.dense.weight");
        SafetensorsWriter.write(f.resolve("model.safetensors"), partial, "F32");
        assertThatThrownBy(() -> embed(f)).hasMessageContaining("bert.encoder.layer.3.output.dense.weight");
    }

    @Test
    void aMissingTokenizerIsNamed() throws Exception {
        Path f = folder("no-tokenizer");
        SafetensorsWriter.write(f.resolve("model.safetensors"), weights, "F32");
        Files.delete(f.resolve("tokenizer.json"));
        assertThatThrownBy(() -> embed(f)).hasMessageContaining("tokenizer.json");
    }

    @Test
    void anUnsupportedArchitectureIsNamed() throws Exception {
        Path f = Files.createDirectories(dir.resolve("t5"));
        Files.writeString(f.resolve("config.json"), "{\"model_type\": \"t5\"}");
        assertThatThrownBy(() -> embed(f))
                .hasMessageContaining("model_type 't5'")
                .hasMessageContaining("bert");
    }
}
