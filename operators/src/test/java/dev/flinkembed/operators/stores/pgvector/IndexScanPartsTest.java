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
 * The parallel index scan against PostgreSQL (PGlite): the table cut into parts at sampled doc ids and read page by
 * page with pages far smaller than a part holds every row exactly once — ids in mixed case and accents, a document's
 * chunks across a page boundary, more parts asked for than there are ids to cut at.
 */
class IndexScanPartsTest {

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
            for (int[] partsAndPage : new int[][] {{1, 7}, {2, 7}, {3, 50}, {5, 1}, {16, 13}, {1000, 3}}) {
                assertThat(read(options, partsAndPage[0], partsAndPage[1]))
                        .as("%d parts, pages of %d", partsAndPage[0], partsAndPage[1])
                        .isEqualTo(whole);
            }
            List<String> bounds = IndexedChunksReader.boundaries(options, 4);
            assertThat(bounds).as("3 cuts for 4 parts").hasSize(3).doesNotHaveDuplicates();
            assertThat(IndexedChunksReader.boundaries(options, 1)).isEmpty();
        }
    }

    /** Every part read in turn through the reader itself; rows "doc#index/count hash", sorted, duplicates kept. */
    private static List<String> read(PgVectorOptions options, int parts, int pageSize) throws Exception {
        IndexedChunksReader reader =
                new IndexedChunksReader(options, pageSize, IndexedChunksReader.boundaries(options, parts));
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
