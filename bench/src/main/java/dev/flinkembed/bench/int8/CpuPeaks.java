package dev.flinkembed.bench.int8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The machine's theoretical peaks, cores × clock × operations per cycle, for the instruction set /proc/cpuinfo shows.
 * Operations per cycle and core assume two vector units, as the x86 server cores of the last years have: fp32 FMA is
 * 2 × lanes × 2 (AVX2 32, AVX-512 64); int8 multiply-adds without VNNI take vpmaddubsw + vpmaddwd (two µops for
 * 32 u8·s8 products on AVX2: 64 ops a cycle), with AVX-VNNI one vpdpbusd (128), AVX-512 VNNI 256, AMX-INT8 tiles 2048.
 * A peak, not a promise: no kernel reaches it (quantizing activations, packing and memory traffic cost their share).
 */
record CpuPeaks(
        String model, int cores, double ghz, String fp32Set, int fp32PerCycle, String int8Set, int int8PerCycle) {

    static CpuPeaks detect() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            lines = List.of();
        }
        String model = "unknown";
        Set<String> flags = new HashSet<>();
        double mhz = 0;
        for (String line : lines) {
            String value =
                    line.contains(":") ? line.substring(line.indexOf(':') + 1).trim() : "";
            if (line.startsWith("model name")) {
                model = value;
            } else if (line.startsWith("flags")) {
                flags.addAll(Arrays.asList(value.split("\\s+")));
            } else if (line.startsWith("cpu MHz")) {
                mhz = Math.max(mhz, Double.parseDouble(value));
            }
        }
        double ghz = maxFrequencyGhz();
        if (ghz <= 0) {
            ghz = mhz / 1000; // a VM often reports only the nominal clock
        }
        boolean avx512 = flags.contains("avx512f");
        boolean fma = flags.contains("fma") && flags.contains("avx2");
        String fp32Set = avx512 ? "AVX-512 FMA" : fma ? "AVX2 FMA" : "SSE";
        int fp32 = avx512 ? 64 : fma ? 32 : 8;
        String int8Set;
        int int8;
        if (flags.contains("amx_int8")) {
            int8Set = "AMX-INT8";
            int8 = 2048;
        } else if (flags.contains("avx512_vnni")) {
            int8Set = "AVX-512 VNNI";
            int8 = 256;
        } else if (flags.contains("avx_vnni")) {
            int8Set = "AVX-VNNI";
            int8 = 128;
        } else if (flags.contains("avx2")) {
            int8Set = "AVX2 (no VNNI)";
            int8 = 64;
        } else {
            int8Set = "SSE";
            int8 = 16;
        }
        return new CpuPeaks(model, Runtime.getRuntime().availableProcessors(), ghz, fp32Set, fp32, int8Set, int8);
    }

    private static double maxFrequencyGhz() {
        try {
            Path max = Path.of("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
            return Files.isReadable(max) ? Long.parseLong(Files.readString(max).trim()) / 1e6 : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    double fp32Gflops() {
        return cores * ghz * fp32PerCycle;
    }

    double int8Gops() {
        return cores * ghz * int8PerCycle;
    }

    String describe() {
        return String.format(
                "%s, %d cores at %.2f GHz: fp32 peak %.0f GFLOP/s (%s, %d per cycle and core), int8 peak %.0f GOP/s "
                        + "(%s, %d per cycle and core)",
                model, cores, ghz, fp32Gflops(), fp32Set, fp32PerCycle, int8Gops(), int8Set, int8PerCycle);
    }

    /** What AVX-512 VNNI and AMX would give on this many cores at this clock: the rows to compare a run there with. */
    String whatOthersWouldGive() {
        return String.format(
                "at %d cores × %.2f GHz: AVX-512 FMA fp32 %.0f GFLOP/s, AVX-512 VNNI int8 %.0f GOP/s (%.0f× this "
                        + "machine's int8 peak), AMX-INT8 %.0f GOP/s (%.0f×)",
                cores,
                ghz,
                cores * ghz * 64,
                cores * ghz * 256,
                256.0 / int8PerCycle,
                cores * ghz * 2048,
                2048.0 / int8PerCycle);
    }
}
