package dev.flinkembed.runtime.pooling;

import java.util.Arrays;

/** Small vector arithmetic on the heap (after the model has run). */
public final class Vectors {

    private Vectors() {}

    /** The first {@code dims} components (Matryoshka truncation), L2-normalised when asked. */
    public static float[] finish(float[] v, int dims, boolean normalize) {
        float[] out = dims >= v.length ? v.clone() : Arrays.copyOf(v, dims);
        if (normalize) {
            normalizeInPlace(out);
        }
        return out;
    }

    public static void normalizeInPlace(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.max(Math.sqrt(sum), 1e-12);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] / norm);
        }
    }

    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of different sizes: " + a.length + " and " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-30);
    }

    public static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}
