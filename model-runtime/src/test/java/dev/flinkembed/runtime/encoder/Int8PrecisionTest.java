package dev.flinkembed.runtime.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.Embedding;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.bert.BertEncoder;
import dev.flinkembed.runtime.golden.GoldenVectors;
import dev.flinkembed.runtime.loading.BuiltinModel;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.weights.OnnxInitializers;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Dynamic int8 on the built-in models against their fp32 reference: how far each vector moves, what the fingerprint
 * and the golden check make of it, and the memory the packed layers hold. Retrieval quality (STS, nDCG) is measured by
 * {@code bench --suite int8}, with public sets; here the bounds are what a wrong quantization would break.
 */
class Int8PrecisionTest {

    /** 120 texts of 3 to ~250 tokens: words, package descriptions, code, numbers, another script. */
    static List<EmbeddingInput> texts() {
        String[] parts = {
            "Debian package",
            "provides tools for the web server",
            "and a text editor with syntax highlighting",
            "def main(args): return 0",
            "version 2.4.1-3+deb12u1",
            "Der schnelle braune Fuchs",
            "libssl3 shared library",
            "documentation and examples",
            "向量数据库",
            "the quick brown fox jumps over the lazy dog"
        };
        List<EmbeddingInput> texts = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0; j <= (i * 7) % 60; j++) {
                s.append(parts[(i + j * 3) % parts.length]).append(j % 4 == 3 ? ". " : " ");
            }
            texts.add(i % 10 == 0 ? EmbeddingInput.query(s.toString()) : EmbeddingInput.document(s.toString()));
        }
        return texts;
    }

    @Test
    void everyBuiltinModelInInt8StaysCloseToItsFp32Vectors() {
        List<EmbeddingInput> texts = texts();
        for (String name : BuiltinModels.NAMES) {
            ModelOptions options = ModelOptions.defaults(name);
            try (InProcessEmbeddingModel fp32 = InProcessEmbeddingModel.open(options);
                    InProcessEmbeddingModel int8 =
                            InProcessEmbeddingModel.open(options.withPrecision(Precision.INT8))) {
                List<Embedding> a = fp32.embed(texts).embeddings();
                List<Embedding> b = int8.embed(texts).embeddings();
                double[] cos = new double[a.size()];
                for (int i = 0; i < cos.length; i++) {
                    cos[i] = Vectors.cosine(a.get(i).vector(), b.get(i).vector());
                    assertThat(b.get(i).tokens()).isEqualTo(a.get(i).tokens());
                }
                Arrays.sort(cos);
                System.out.printf(
                        "%s int8 vs fp32 over %d texts: cosine min %.5f, median %.5f%n",
                        name, cos.length, cos[0], cos[cos.length / 2]);
                assertThat(cos[0]).as(name + " worst").isGreaterThan(0.97);
                assertThat(cos[cos.length / 2]).as(name + " median").isGreaterThan(0.99);
                // Not the same vectors: int8 really ran (the same numbers would mean fp32 layers).
                assertThat(cos[cos.length / 2]).as(name + " median").isLessThan(0.99999);

                assertThat(int8.info().precision()).isEqualTo("int8");
                assertThat(fp32.info().precision()).isEqualTo("fp32");
                assertThat(int8.info().fingerprint()).isNotEqualTo(fp32.info().fingerprint());
                assertThat(int8.info().dimensions()).isEqualTo(fp32.info().dimensions());
            }
        }
    }

    @Test
    void theGoldenCheckAcceptsInt8AgainstFp32GoldenVectorsButNotAnotherModel() {
        ModelOptions minilm = ModelOptions.defaults(BuiltinModels.ALL_MINILM_L6_V2);
        GoldenVectors golden;
        try (InProcessEmbeddingModel fp32 = InProcessEmbeddingModel.open(minilm)) {
            golden = GoldenVectors.compute(fp32);
        }
        try (InProcessEmbeddingModel int8 = InProcessEmbeddingModel.open(minilm.withPrecision(Precision.INT8))) {
            double worst = golden.check(int8);
            System.out.printf("all-MiniLM-L6-v2 int8 against fp32 golden probes: worst cosine %.5f%n", worst);
            assertThat(worst).isBetween(GoldenVectors.minCosine("int8"), 0.99999);
        }
        // Same dimensions, another model: far below even int8's bound.
        try (InProcessEmbeddingModel bge = InProcessEmbeddingModel.open(
                ModelOptions.defaults(BuiltinModels.BGE_SMALL_EN_V15).withPrecision(Precision.INT8))) {
            assertThatThrownBy(() -> golden.check(bge))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not match its golden vectors")
                    .hasMessageContaining("(int8)");
        }
    }

    @Test
    void int8LayersHoldAQuarterOfTheirFloatBytes() {
        BuiltinModel minilm = BuiltinModels.get(BuiltinModels.ALL_MINILM_L6_V2);
        OnnxInitializers weights = OnnxInitializers.parse(ByteBuffer.wrap(BuiltinModels.minilmOnnxBytes()), "test");
        try (BertEncoder fp32 = BertEncoder.load(minilm.config(), weights, Precision.FP32);
                BertEncoder int8 = BertEncoder.load(minilm.config(), weights, Precision.INT8)) {
            long f = fp32.weightBytes();
            long q = int8.weightBytes();
            // 6 layers × (3·384² + 384² + 2·384·1536) linear weights: 10.6 M parameters from 4 bytes to ~1; the
            // 11.9 M embedding and norm parameters stay float32.
            long linear = 6L * (4L * 384 * 384 + 2L * 384 * 1536);
            System.out.printf("all-MiniLM-L6-v2 weights: fp32 %d bytes, int8 %d bytes%n", f, q);
            assertThat(f - q).isBetween(linear * 3 - linear / 10, linear * 3);
        }
    }
}
