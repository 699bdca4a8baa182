package dev.flinkembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The built-in model on DJL's PyTorch engine against ONNX Runtime running the very same ONNX file: an independent
 * implementation of the forward pass. Each text runs alone in ONNX Runtime (no padding); ours runs them in batches.
 */
class OnnxRuntimeParityTest {

    @Test
    void pytorchEngineMatchesOnnxRuntimeOnVariedTexts() throws Exception {
        InProcessEmbeddingModel model = SharedBuiltin.model();
        List<String> texts = TestTexts.varied();
        assertThat(texts).hasSizeGreaterThanOrEqualTo(50);
        List<Embedding> ours = model.embed(
                        texts.stream().map(EmbeddingInput::document).toList())
                .embeddings();

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(BuiltinModels.minilmOnnxBytes(), new OrtSession.SessionOptions())) {
            double worst = 1;
            boolean sawTruncation = false;
            for (int i = 0; i < texts.size(); i++) {
                TokenIds ids = model.tokenizer().encode(texts.get(i));
                sawTruncation |= ids.truncated();
                assertThat(ids.length()).isLessThanOrEqualTo(256);
                float[] reference = onnxEmbedding(env, session, ids);
                double cos = Vectors.cosine(ours.get(i).vector(), reference);
                worst = Math.min(worst, cos);
                assertThat(cos).as("text %d: %s", i, texts.get(i)).isGreaterThanOrEqualTo(0.99999);
                assertThat(ours.get(i).tokens()).isEqualTo(ids.length());
            }
            assertThat(sawTruncation).as("some texts exceed 256 tokens").isTrue();
            System.out.printf("parity over %d texts: worst cosine %.8f%n", texts.size(), worst);
        }
    }

    private static float[] onnxEmbedding(OrtEnvironment env, OrtSession session, TokenIds ids) throws Exception {
        long[][] inputIds = {ids.ids()};
        long[][] mask = {new long[ids.length()]};
        java.util.Arrays.fill(mask[0], 1L);
        long[][] types = {ids.typeIds()};
        try (OnnxTensor a = OnnxTensor.createTensor(env, inputIds);
                OnnxTensor b = OnnxTensor.createTensor(env, mask);
                OnnxTensor c = OnnxTensor.createTensor(env, types);
                OrtSession.Result result =
                        session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            int dim = hidden[0][0].length;
            float[] mean = new float[dim];
            for (float[] token : hidden[0]) {
                for (int d = 0; d < dim; d++) {
                    mean[d] += token[d] / hidden[0].length;
                }
            }
            Vectors.normalizeInPlace(mean);
            return mean;
        }
    }
}
