package dev.flinkembed.operators.changes;

import dev.flinkembed.operators.metrics.AtomicLongCounter;
import dev.flinkembed.operators.records.Document;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Drops a document change that writes nothing new: an upsert whose text, title and metadata equal the last version of
 * that document this job passed on (an UPDATE of a column that is not mapped, a message sent twice, a snapshot of a
 * table the job already holds). Keyed by document id; the state is a 16-byte fingerprint per document, checkpointed
 * with the source offsets, so a restore and its replay agree with it. A delete clears it.
 *
 * <p>The fingerprint covers everything a stored chunk row carries from the document, so a change of any of it is
 * written (and, the store keeping no vectors to reuse, embedded again); a change of nothing is not.
 */
public final class SkipUnchangedDocuments extends KeyedProcessFunction<String, Document, Document> {

    public static final String DOCUMENTS_UNCHANGED = "documents-unchanged";

    private transient ValueState<byte[]> fingerprint;
    private transient Counter unchanged;
    private transient AtomicLongCounter unchangedAcc;

    @Override
    public void open(OpenContext openContext) {
        fingerprint = getRuntimeContext()
                .getState(new ValueStateDescriptor<>(
                        "content-fingerprint", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        unchanged = getRuntimeContext().getMetricGroup().counter("documentsUnchanged");
        unchangedAcc = AtomicLongCounter.register(getRuntimeContext(), DOCUMENTS_UNCHANGED);
    }

    @Override
    public void processElement(Document d, Context ctx, Collector<Document> out) throws Exception {
        if (Document.DELETE.equals(d.op)) {
            fingerprint.clear();
            out.collect(d);
            return;
        }
        byte[] now = fingerprint(d);
        if (Arrays.equals(now, fingerprint.value())) {
            unchanged.inc();
            unchangedAcc.add(1L);
            return;
        }
        fingerprint.update(now);
        out.collect(d);
    }

    /** SHA-256 (first 16 bytes) of the text, title and metadata (by key), each length-prefixed. */
    static byte[] fingerprint(Document d) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        field(sha, d.text);
        field(sha, d.title);
        if (d.metadata != null) {
            for (Map.Entry<String, String> e : new TreeMap<>(d.metadata).entrySet()) {
                field(sha, e.getKey());
                field(sha, e.getValue());
            }
        }
        return Arrays.copyOf(sha.digest(), 16);
    }

    private static void field(MessageDigest sha, String s) {
        if (s == null) {
            sha.update(new byte[] {-1, -1, -1, -1});
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update(
                new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length
                });
        sha.update(b);
    }
}
