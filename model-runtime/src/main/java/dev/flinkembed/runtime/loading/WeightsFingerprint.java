package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.weights.Tensor;
import dev.flinkembed.runtime.weights.WeightSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.TreeSet;

/**
 * A SHA-256 over every tensor's name, shape and a sample of its stored bytes (the first and last 4 KiB). Hashing all bytes
 * of an 8B checkpoint would take minutes at start-up; any retrained or re-quantised checkpoint changes the samples.
 */
public final class WeightsFingerprint {

    private static final int SAMPLE = 4096;

    private WeightsFingerprint() {}

    public static String of(WeightSource weights) {
        MessageDigest sha = sha256();
        for (String name : new TreeSet<>(weights.names())) {
            Tensor t = weights.stored(name);
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            sha.update(Arrays.toString(t.shape()).getBytes(StandardCharsets.UTF_8));
            ByteBuffer data = t.data().duplicate();
            int n = data.remaining();
            sha.update(data.slice(0, Math.min(SAMPLE, n)));
            if (n > SAMPLE) {
                sha.update(data.slice(Math.max(SAMPLE, n - SAMPLE), n - Math.max(SAMPLE, n - SAMPLE)));
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** SHA-256 of several strings, hex; used to fold pooling, prompt and dimensions into the model fingerprint. */
    public static String combine(String... parts) {
        MessageDigest sha = sha256();
        for (String p : parts) {
            sha.update(p.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
