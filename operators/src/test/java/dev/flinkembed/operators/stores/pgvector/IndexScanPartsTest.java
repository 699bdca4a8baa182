package dev.flinkembed.operators.stores.pgvector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flinkembed.operators.records.IndexedChunk;
import dev.flinkembed.operators.testing.PgliteServer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * The parallel index scan: its hash ranges tile every 32-bit hash, and against PostgreSQL (PGlite) its parts, read
 * page by page with pages far smaller than a part, hold every row exactly once — doc ids with a shared prefix, a
 * document's chunks across a page boundary, ids that sort before and after each other in the table's collation.
 */
class IndexScanPartsTest {

    @Test
    void thePartsTileTheWholeHashRange() {
        for (int parts : new int[] {1, 2, 3, 7, 64, 1000}) {
            long expectedLower = Integer.MIN_VALUE;
            long smallest = Long.MAX_VALUE;
            long largest = 0;
            for (int k = 0; k < parts; k++) {
                long[] r = IndexedChunksReader.hashRange(k, parts);
                assertThat(r[0])
                        .as("part %d of %d starts where the last ended", k, parts)
                        .isEqualTo(expectedLower);
                expectedLower = r[1];
                smallest = Math.min(smallest, r[1] - r[0]);
                largest = Math.max(largest, r[1] - r[0]);
            }
            assertThat(expectedLower).as("%d parts end at 2^31", parts).isEqualTo(1L << 31);
            assertThat(largest - smallest)
                    .as("%d parts differ by at most one hash", parts)
                    .isLessThanOrEqualTo(1);
        }
    }

    @Test
    void everyRowOnceWhateverThePartsAndPages() throws Exception {
        try (PgliteServer pg = PgliteServer.start()) {
            PgVectorOptions options = PgVectorOptions.builder(pg.jdbcUrl(), "scan_parts", 3)
                    .hnswIndex(false)
                    .build();
            new PgVectorStore(options).prepare();
            try (Connection c = options.connect();
                    Statement s = c.createStatement()) {
                // 300 documents, 1 to 4 chunks each (750 rows); ids "d1", "d10", "d100", "D2", "é3"...
                s.execute("INSERT INTO scan_parts (doc_id, chunk_index, chunk_count, text, start_char, end_char, "
                        + "token_count, content_hash, model, model_fingerprint, embedded_at, embedding) "
                        + "SELECT (ARRAY['d','D','é','d-'])[1 + d % 4] || d, i, 1 + d % 4, 't', 0, 1, 1, "
                        + "md5(d || '/' || i), 'm', 'fp', now(), '[1,0,0]' "
                        + "FROM generate_series(0, 299) d, generate_series(0, 3) i WHERE i <= d % 4");
            }
            List<String> whole = read(options, 1, 10_000);
            assertThat(whole).hasSize(750).doesNotHaveDuplicates();
            for (int[] partsAndPage : new int[][] {{1, 7}, {2, 7}, {3, 50}, {5, 1}, {16, 13}}) {
                assertThat(read(options, partsAndPage[0], partsAndPage[1]))
                        .as("%d parts, pages of %d", partsAndPage[0], partsAndPage[1])
                        .isEqualTo(whole);
            }
        }
    }

    /** Every part read in turn through the reader itself; rows "doc#index/count hash", sorted, duplicates kept. */
    private static List<String> read(PgVectorOptions options, int parts, int pageSize) throws Exception {
        IndexedChunksReader reader = new IndexedChunksReader(options, pageSize, parts);
        List<String> rows = new ArrayList<>();
        Collector<IndexedChunk> out = new Collector<>() {
            @Override
            public void collect(IndexedChunk c) {
                rows.add(c.docId + "#" + c.chunkIndex + "/" + c.chunkCount + " " + c.contentHash);
            }

            @Override
            public void close() {}
        };
        for (long k = 0; k < parts; k++) {
            reader.flatMap(k, out);
        }
        rows.sort(null);
        return rows;
    }
}
