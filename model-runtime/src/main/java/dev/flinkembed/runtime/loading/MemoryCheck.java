package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.encoder.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fails early, before any weights are read, when a model cannot fit: the weights live off-heap in float32 (4 bytes a
 * parameter: Qwen3-Embedding-0.6B ≈ 2.4 GB, 4B ≈ 16 GB, 8B ≈ 30 GB) and must fit in what the machine has available.
 */
public final class MemoryCheck {

    /** Overrides the available bytes (tests, or a container limit the kernel does not report). */
    public static final String AVAILABLE_PROPERTY = "flink-embed.memory.available-bytes";

    private MemoryCheck() {}

    public static void requireFits(String model, long weightBytes, Precision precision) {
        long available = availableBytes();
        if (available > 0 && weightBytes > available) {
            throw new IllegalArgumentException(String.format(
                    "model %s needs %.1f GB for its weights in %s "
                            + "but only %.1f GB of memory are available; use a smaller model%s or a machine (TaskManager) "
                            + "with more memory",
                    model,
                    weightBytes / 1e9,
                    precision.key(),
                    available / 1e9,
                    precision == Precision.FP32 ? ", model.precision=fp16 or int8" : ""));
        }
    }

    static long availableBytes() {
        String forced = System.getProperty(AVAILABLE_PROPERTY);
        if (forced != null) {
            return Long.parseLong(forced);
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1; // not Linux: no check
        }
        return -1;
    }
}
