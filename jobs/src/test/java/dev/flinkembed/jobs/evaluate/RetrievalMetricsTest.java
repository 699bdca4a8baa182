package dev.flinkembed.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.operators.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metric values worked out by hand (trec_eval's definitions, linear gains). */
class RetrievalMetricsTest {

    @TempDir
    Path dir;

    static final Offset<Double> EXACT = Offset.offset(1e-9);

    @Test
    void ndcgRecallAndReciprocalRank() {
        List<String> ranking = List.of("a", "x", "b", "y");
        Map<String, Integer> judged = Map.of("a", 1, "b", 2, "c", 1, "z", 0);
        // DCG = 1/log2(2) + 2/log2(4) = 2; ideal = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2.5 + 1/log2(3)
        double ideal = 2.5 + 1 / (Math.log(3) / Math.log(2));
        assertThat(RetrievalMetrics.ndcg(ranking, judged, 10)).isCloseTo(2 / ideal, EXACT);
        assertThat(RetrievalMetrics.ndcg(ranking, judged, 1)).isCloseTo(0.5, EXACT); // 1 of an ideal 2
        assertThat(RetrievalMetrics.recall(ranking, judged, 10)).isCloseTo(2.0 / 3, EXACT);
        assertThat(RetrievalMetrics.recall(ranking, judged, 2)).isCloseTo(1.0 / 3, EXACT);
        assertThat(RetrievalMetrics.reciprocalRank(List.of("x", "y", "b"), judged, 10))
                .isCloseTo(1.0 / 3, EXACT);
        assertThat(RetrievalMetrics.reciprocalRank(List.of("x", "y", "b"), judged, 2))
                .isZero();
        assertThat(RetrievalMetrics.ndcg(List.of("a", "b"), Map.of("a", 1), 10)).isCloseTo(1.0, EXACT);
    }

    @Test
    void beirFilesWithAHeaderAndTheirMistakesNamed() throws Exception {
        Path queries = Files.writeString(
                dir.resolve("q.jsonl"),
                "{\"_id\": \"q1\", \"text\": \"web server\"}\n\n" + "{\"_id\": 2, \"text\": \"editor\"}\n");
        Path qrels =
                Files.writeString(dir.resolve("qrels.tsv"), "query-id\tcorpus-id\tscore\nq1\tapache2\t1\n2\tvim\t2\n");
        assertThat(BeirFiles.queries(queries)).containsExactly(Map.entry("q1", "web server"), Map.entry("2", "editor"));
        assertThat(BeirFiles.qrels(qrels)).isEqualTo(Map.of("q1", Map.of("apache2", 1), "2", Map.of("vim", 2)));
        Path bad = Files.writeString(dir.resolve("bad.tsv"), "q1\tapache2\t1\nq2\tvim\thigh\n");
        assertThatThrownBy(() -> BeirFiles.qrels(bad))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("'high'");
        Path badQuery = Files.writeString(dir.resolve("bad.jsonl"), "{\"id\": \"q1\"}\n");
        assertThatThrownBy(() -> BeirFiles.queries(badQuery))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("_id");
    }
}
