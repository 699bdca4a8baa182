package dev.flinkembed.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's peak resident set from {@code /proc/PID/status} ({@code VmHWM}, the kernel's high-water mark, so no
 * sampling can miss a peak), and its reset ({@code clear_refs} 5, Linux ≥ 4.0) so that a long-lived JobManager or
 * TaskManager is measured per run.
 */
final class PeakMemory {

    private PeakMemory() {}

    /** The high-water mark in kB; -1 when the process is gone. */
    static long peakKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /**
     * The heap still in use after a full collection ({@code jcmd GC.run}, then {@code GC.heap_info}), in kB; -1 when it
     * cannot be read. Resident memory says what the JVM has touched, which grows towards the configured heap with
     * time; this says what the process holds.
     */
    static long liveHeapKb(long pid) {
        try {
            jcmd(pid, "GC.run");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("heap\\s+total \\d+K, used (\\d+)K")
                    .matcher(jcmd(pid, "GC.heap_info"));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process j = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
                .redirectErrorStream(true)
                .start();
        String out = new String(j.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        j.waitFor();
        return out;
    }

    /** Resets the high-water mark to the current resident set. */
    static void reset(long pid) throws IOException {
        Files.writeString(Path.of("/proc/" + pid + "/clear_refs"), "5");
    }

    /**
     * Follows a short-lived process (the {@code flink} client) until it exits: its last high-water mark read. The
     * mark only grows, so reading it every 50 ms misses at most what the last 50 ms added.
     */
    static Thread follow(Process p, long[] into) {
        Thread t = new Thread(
                () -> {
                    while (p.isAlive()) {
                        long kb = peakKb(p.pid());
                        if (kb > 0) {
                            into[0] = Math.max(into[0], kb);
                        }
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "peak-rss-" + p.pid());
        t.setDaemon(true);
        t.start();
        return t;
    }
}
