package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.config.ConfigKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * docs/configuration.md, generated from the key declarations ({@link JobOptions} and each vector store's factory):
 * {@code flink-embed options > docs/configuration.md}; a test keeps the file equal to this.
 */
public final class ConfigurationReference {

    private static final Map<String, String> SECTIONS = new LinkedHashMap<>();

    static {
        SECTIONS.put("model", "The model");
        SECTIONS.put("batch", "Micro-batching");
        SECTIONS.put("embed", "The embedding operator");
        SECTIONS.put("remote", "Remote backend (an OpenAI-compatible server)");
        SECTIONS.put("chunking", "Chunking");
        SECTIONS.put("source", "Input: files and Kafka messages");
        SECTIONS.put("sink", "Output");
        SECTIONS.put("kafka", "Kafka (stream job)");
        SECTIONS.put("reindex", "Reindex");
        SECTIONS.put("job", "The Flink job");
        SECTIONS.put("rerank", "Reranking (search, evaluate, serve, SQL)");
        SECTIONS.put("serve", "serve: the embeddings server (and the model.* keys above)");
    }

    private ConfigurationReference() {}

    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# Configuration reference\n\n")
                .append("<!-- Generated from the key declarations: `bin/flink-embed options > docs/configuration.md`. "
                        + "ConfigurationReferenceTest fails when this file and the code differ. -->\n\n")
                .append("Every job reads the same keys, in this order, each overriding the one before: a YAML file "
                        + "(`--config`; nested maps are dotted keys, see `conf/bulk-local.yaml` and "
                        + "`conf/stream-kafka.yaml`), `--set key=value`, then the command's flags. Unknown keys and "
                        + "bad values are refused before any data moves, with a message naming the key, the value "
                        + "and what is accepted. Durations are Flink's (`50ms`, `10s`, `2min`, `1h`; a bare number is "
                        + "milliseconds), sizes are Flink's `MemorySize` (`512kb`, `64mb`, `1gb`; binary units).\n");
        Map<String, List<ConfigKey<?>>> byPrefix = JobOptions.all().values().stream()
                .collect(Collectors.groupingBy(
                        k -> k.name().substring(0, k.name().indexOf('.')), LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<String, List<ConfigKey<?>>> group : byPrefix.entrySet()) {
            String title = SECTIONS.getOrDefault(
                    group.getKey(), "Vector store: " + group.getKey() + " (`sink.type: " + group.getKey() + "`)");
            out.append("\n## ")
                    .append(title)
                    .append("\n\n")
                    .append("| key | default | accepted | meaning |\n|---|---|---|---|\n");
            for (ConfigKey<?> k : group.getValue()) {
                out.append("| `")
                        .append(k.name())
                        .append("` | ")
                        .append(k.defaultValue() == null ? "—" : "`" + k.defaultValue() + "`")
                        .append(" | ")
                        .append(cell(k.accepted().replaceFirst("^accepted: ", "")))
                        .append(" | ")
                        .append(cell(k.description()))
                        .append(" |\n");
            }
        }
        return out.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
