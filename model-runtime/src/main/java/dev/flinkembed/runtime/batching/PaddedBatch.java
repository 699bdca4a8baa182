package dev.flinkembed.runtime.batching;

import dev.flinkembed.runtime.tokenizer.TokenIds;
import java.util.Arrays;
import java.util.List;

/**
 * Token ids of several texts, right-padded to the longest: row-major {@code [size, width]} arrays plus each row's real
 * length. Right padding suits every architecture here: BERT masks padded keys, and in a causal decoder padded positions
 * come after the real ones, so they cannot influence them.
 */
public record PaddedBatch(int size, int width, long[] ids, long[] typeIds, long[] mask, int[] lengths) {

    public static PaddedBatch of(List<TokenIds> rows, long padId) {
        int size = rows.size();
        int width = 0;
        for (TokenIds r : rows) {
            width = Math.max(width, r.length());
        }
        width = Math.max(width, 1);
        long[] ids = new long[size * width];
        long[] types = new long[size * width];
        long[] mask = new long[size * width];
        int[] lengths = new int[size];
        Arrays.fill(ids, padId);
        for (int i = 0; i < size; i++) {
            TokenIds r = rows.get(i);
            lengths[i] = r.length();
            System.arraycopy(r.ids(), 0, ids, i * width, r.length());
            System.arraycopy(r.typeIds(), 0, types, i * width, r.length());
            Arrays.fill(mask, i * width, i * width + r.length(), 1L);
        }
        return new PaddedBatch(size, width, ids, types, mask, lengths);
    }

    public long realTokens() {
        long n = 0;
        for (int l : lengths) {
            n += l;
        }
        return n;
    }

    public long paddedTokens() {
        return (long) size * width - realTokens();
    }
}
