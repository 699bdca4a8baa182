package dev.flinkembed.runtime.qwen3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The tiny Qwen3-Embedding checkpoints with golden vectors from an independent float64 implementation (copied from
 * shared/fixtures into the test resources, see fixtures/README.md).
 */
public final class Fixtures {

    public static final String BF16 = "qwen3-embedding-tiny";
    public static final String F32_SHARDED = "qwen3-embedding-tiny-f32";

    private Fixtures() {}

    public static Path folder(String name) {
        try {
            return Path.of(Fixtures.class
                            .getResource("/fixtures/" + name + "/config.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode golden(String name) {
        try {
            return new ObjectMapper()
                    .readTree(folder(name).resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] vector(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) array.get(i).asDouble();
        }
        return v;
    }

    public static long[] ids(JsonNode array) {
        long[] v = new long[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asLong();
        }
        return v;
    }
}
