package dev.flinkembed.operators.stores.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.operators.store.SearchHit;
import dev.flinkembed.operators.store.StoreSession;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** kNN through the session on a real node: scores are cosines; a quantized index rescored with the float vectors. */
class EsSearchTest {

    @Test
    void aQuantizedIndexRescoredWithItsFloatVectorsScoresTheExactCosine() throws Exception {
        int dims = 64;
        EsOptions o = EsOptions.builder(EsWriterTest.node().url(), "quantized", dims)
                .indexType("int8_hnsw")
                .replicas(0)
                .flushIntervalMillis(0)
                .build();
        List<EmbeddedChunk> chunks = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            chunks.add(EsWriterTest.chunk("d" + i, 0, 1, "text number " + i, dims));
        }
        assertThat(EsWriterTest.write(o, chunks)).isEmpty();
        float[] query = chunks.get(17).embedding;
        double norm = 0;
        for (float x : query) {
            norm += x * x;
        }
        List<SearchHit> plain;
        try (StoreSession s = new ElasticsearchStore(o).open()) {
            plain = s.nearest(query, 3);
        }
        List<SearchHit> rescored;
        EsOptions withRescore = EsOptions.builder(o.url(), "quantized", dims)
                .indexType("int8_hnsw")
                .rescoreOversample(3)
                .build();
        try (StoreSession s = new ElasticsearchStore(withRescore).open()) {
            rescored = s.nearest(query, 3);
        }
        System.out.printf(
                "int8_hnsw: top score %.6f without rescoring, %.6f rescored (vector norm %.3f)%n",
                plain.get(0).score(), rescored.get(0).score(), Math.sqrt(norm));
        assertThat(rescored.get(0).docId()).isEqualTo("d17");
        assertThat(rescored.get(0).score())
                .as("rescored with the float vectors: the cosine of a vector with itself")
                .isCloseTo(1.0, Offset.offset(1e-5));
        assertThat(rescored).hasSize(3);
        assertThat(rescored.get(1).score()).isLessThan(rescored.get(0).score());
        assertThat(plain).hasSize(3);
    }
}
