package dev.flinkembed.bench.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The bench's Python peers (ONNX Runtime scripts under resources/python), run in the bench's venv. */
public final class PythonPeer {

    private PythonPeer() {}

    /** The venv's python with ONNX Runtime, tokenizers and numpy, or null (logged why). */
    public static String python(Path home, PrintStream log) {
        return PythonVenv.ensure(home.resolve("bench/target/python-venv"), CommandsBench.PYTHON_PACKAGES, log);
    }

    /** A script of resources/python copied into {@code dir}. */
    public static Path script(Path dir, String name) throws Exception {
        Path script = dir.resolve(name);
        try (InputStream s = PythonPeer.class.getResourceAsStream("/python/" + name)) {
            Files.copy(s, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }

    /**
     * Runs a scoring script that prints {"seconds": s} and writes one {"score"} line per pair to {@code scores}:
     * {seconds, score...}.
     */
    public static double[] scores(List<String> command, Path scores) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            ObjectMapper json = new ObjectMapper();
            String last = output.strip().lines().reduce((a, b) -> b).orElse("{}");
            List<String> lines = Files.readAllLines(scores);
            double[] out = new double[lines.size() + 1];
            out[0] = json.readTree(last).get("seconds").asDouble();
            for (int i = 0; i < lines.size(); i++) {
                JsonNode n = json.readTree(lines.get(i));
                out[i + 1] = n.get("score").asDouble();
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("the Python peer failed: " + e.getMessage(), e);
        }
    }
}
