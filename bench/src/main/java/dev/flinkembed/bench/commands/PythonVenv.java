package dev.flinkembed.bench.commands;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Python virtual environment for the bench's Python peer, made once with pip (never by the tests). */
final class PythonVenv {

    private PythonVenv() {}

    /** The venv's python with {@code packages} installed, or null (logged why) when this machine cannot make one. */
    static String ensure(Path venv, List<String> packages, PrintStream log) {
        Path python = venv.resolve("bin/python");
        Path marker = venv.resolve("installed.txt");
        String wanted = String.join(" ", packages);
        try {
            if (Files.isRegularFile(marker) && Files.readString(marker).equals(wanted)) {
                return python.toString();
            }
            log.println("Making " + venv + " with " + wanted + " (pip, once)");
            run(List.of("python3", "-m", "venv", "--clear", venv.toString()), log);
            List<String> pip = new ArrayList<>(
                    List.of(python.toString(), "-m", "pip", "install", "-q", "--disable-pip-version-check"));
            pip.addAll(packages);
            run(pip, log);
            Files.writeString(marker, wanted);
            return python.toString();
        } catch (Exception e) {
            log.println("No Python peer: " + e.getMessage());
            return null;
        }
    }

    private static void run(List<String> command, PrintStream log) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
