package dev.flinkembed.bench;

/** One line of a benchmark table. */
public record BenchRow(String name, int texts, long tokens, double seconds, double paddingRatio) {

    /** The same measurement, its name followed by {@code note}. */
    public BenchRow withNote(String note) {
        return new BenchRow(name + " — " + note, texts, tokens, seconds, paddingRatio);
    }

    public double tokensPerSecond() {
        return tokens / seconds;
    }

    public double textsPerSecond() {
        return texts / seconds;
    }

    /** With one more column: the row's tokens/s as a share of {@code ceiling} tokens/s. */
    public String markdown(double baselineTokensPerSecond, double ceiling) {
        return markdown(baselineTokensPerSecond) + String.format(" %.0f%% |", 100 * tokensPerSecond() / ceiling);
    }

    public String markdown(double baselineTokensPerSecond) {
        return String.format(
                "| %s | %d | %d | %.1f | %.0f | %.1f | %s | %.2f× |",
                name,
                texts,
                tokens,
                seconds,
                tokensPerSecond(),
                textsPerSecond(),
                Double.isNaN(paddingRatio) ? "n/a" : String.format("%.1f%%", 100 * paddingRatio),
                tokensPerSecond() / baselineTokensPerSecond);
    }
}
