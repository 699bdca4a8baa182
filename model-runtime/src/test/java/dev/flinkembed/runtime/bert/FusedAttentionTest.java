package dev.flinkembed.runtime.bert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.runtime.batching.PaddedBatch;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.loading.BuiltinModel;
import dev.flinkembed.runtime.loading.BuiltinModels;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.pooling.Vectors;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.tokenizer.TokenIds;
import dev.flinkembed.runtime.weights.OnnxInitializers;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PyTorch's fused attention (the TorchScript module) against the same attention computed op by op. */
class FusedAttentionTest {

    private static BertEncoder fused;
    private static BertEncoder opByOp;
    private static ModelTokenizer tokenizer;
    private static BuiltinModel minilm;

    @BeforeAll
    static void load() {
        minilm = BuiltinModels.get(BuiltinModels.ALL_MINILM_L6_V2);
        OnnxInitializers weights = OnnxInitializers.parse(ByteBuffer.wrap(BuiltinModels.minilmOnnxBytes()), "test");
        fused = BertEncoder.load(minilm.config(), weights, true, Precision.FP32);
        opByOp = BertEncoder.load(minilm.config(), weights, false, Precision.FP32);
        tokenizer = ModelTokenizer.load(BuiltinModels.minilmTokenizerFile(), 256);
    }

    @AfterAll
    static void close() {
        fused.close();
        opByOp.close();
        tokenizer.close();
    }

    @Test
    void paddedRowsGetTheVectorsOfAttentionComputedOpByOp() {
        // Lengths from 3 to 256 tokens in one batch: most rows are padded, so the key mask decides their vectors.
        List<TokenIds> rows = new ArrayList<>();
        for (int words : new int[] {1, 7, 30, 90, 400}) {
            rows.add(tokenizer.encode("Debian package number " + words + " " + "provides tools ".repeat(words)));
        }
        PaddedBatch batch = PaddedBatch.of(rows, minilm.config().padTokenId());
        assertThat(batch.paddedTokens()).isPositive();
        assertSameVectors(batch);
    }

    @Test
    void aBatchWithoutPaddingTakesTheUnmaskedCall() {
        List<TokenIds> rows =
                List.of(tokenizer.encode("the same length here"), tokenizer.encode("the same length there"));
        PaddedBatch batch = PaddedBatch.of(rows, minilm.config().padTokenId());
        assertThat(batch.paddedTokens()).isZero();
        assertSameVectors(batch);
    }

    private static void assertSameVectors(PaddedBatch batch) {
        for (Pooling pooling : new Pooling[] {Pooling.MEAN, Pooling.CLS}) {
            float[][] a = fused.encode(batch, pooling);
            float[][] b = opByOp.encode(batch, pooling);
            for (int i = 0; i < a.length; i++) {
                assertThat(Vectors.cosine(a[i], b[i]))
                        .as("row %d, %s", i, pooling)
                        .isGreaterThan(0.999999);
                for (int j = 0; j < a[i].length; j++) {
                    assertThat(Math.abs(a[i][j] - b[i][j])).isLessThan(1e-4f);
                }
            }
        }
    }
}
