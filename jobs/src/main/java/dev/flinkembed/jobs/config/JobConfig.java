package dev.flinkembed.jobs.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.config.ConfigKey;
import dev.flinkembed.operators.config.ConfigReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's configuration: YAML (nested maps, flattened to dotted keys), then {@code --set key=value} overrides, then
 * command-line flags. Every key is checked when loaded — unknown keys and bad values fail with a message naming them
 * before any job starts.
 */
public final class JobConfig implements ConfigReader {

    private final Map<String, String> values;

    private JobConfig(Map<String, String> values) {
        this.values = values;
        for (Map.Entry<String, String> e : values.entrySet()) {
            ConfigKey<?> key = JobOptions.find(e.getKey());
            if (key == null) {
                String hint = JobOptions.closest(e.getKey());
                throw new ConfigException("unknown configuration key '" + e.getKey() + "'"
                        + (hint != null ? "; did you mean '" + hint + "'?" : ".")
                        + " Accepted keys: " + String.join(", ", JobOptions.names()));
            }
            key.parse(e.getValue());
        }
    }

    /**
     * A configuration from flat keys, e.g. a SQL {@code WITH} map: the same keys, checks and messages as YAML and
     * {@code --set}.
     */
    public static JobConfig of(Map<String, String> values) {
        return new JobConfig(new LinkedHashMap<>(values));
    }

    public static JobConfig defaults() {
        return new JobConfig(new LinkedHashMap<>());
    }

    /** Loads {@code yaml} (may be null), then applies {@code overrides} ("key=value") in order. */
    public static JobConfig load(Path yaml, List<String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        if (yaml != null) {
            if (!Files.isRegularFile(yaml)) {
                throw new ConfigException("configuration file " + yaml + " does not exist");
            }
            JsonNode root;
            try {
                root = new ObjectMapper(new YAMLFactory()).readTree(yaml.toFile());
            } catch (IOException e) {
                throw new ConfigException("configuration file " + yaml + " is not valid YAML: " + e.getMessage());
            }
            if (root != null && !root.isMissingNode() && !root.isNull()) {
                if (!root.isObject()) {
                    throw new ConfigException("configuration file " + yaml + " must hold a mapping of keys");
                }
                flatten("", root, values, yaml);
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set '" + o + "' is not of the form key=value");
            }
            values.put(o.substring(0, eq).trim(), o.substring(eq + 1));
        }
        return new JobConfig(values);
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flatten(key, v, out, file);
            } else if (v.isArray()) {
                throw new ConfigException(
                        "configuration key '" + key + "' in " + file + ": lists are not accepted here");
            } else if (!v.isNull()) {
                out.put(key, v.asText());
            }
        }
    }

    /** A copy with {@code key} set (command-line flags such as --input). Null leaves the key as it is. */
    public JobConfig with(ConfigKey<?> key, String value) {
        if (value == null) {
            return this;
        }
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(key.name(), value);
        return new JobConfig(copy);
    }

    @Override
    public <T> T get(ConfigKey<T> key) {
        String v = values.get(key.name());
        if (v == null) {
            v = key.defaultValue();
        }
        return v == null ? null : key.parse(v);
    }

    /**
     * The keys under a family such as {@code kafka.properties.*}, without the family's prefix (e.g.
     * {@code security.protocol}), in the order given.
     */
    public Map<String, String> family(ConfigKey<?> family) {
        String prefix = JobOptions.familyPrefix(family);
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    @Override
    public boolean isSet(ConfigKey<?> key) {
        return values.containsKey(key.name());
    }
}
