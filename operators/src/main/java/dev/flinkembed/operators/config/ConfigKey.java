package dev.flinkembed.operators.config;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

/**
 * One configuration key: its dotted name (YAML nesting or {@code --set name=value}), how its text is parsed, its
 * default (null: unset), and a description for docs/configuration.md (generated from these declarations) and
 * {@code --help}. Components declare their keys next to themselves (as flink-connector-jdbc's JdbcConnectorOptions);
 * the job configuration, YAML, {@code --set}, CLI flags and a SQL WITH map all go through {@link #parse}.
 */
public record ConfigKey<T>(
        String name, Function<String, T> parser, String defaultValue, String accepted, String description) {

    public T parse(String value) {
        try {
            return parser.apply(value.trim());
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw ConfigException.badValue(name, value, accepted);
        }
    }

    /**
     * This key as a Flink {@link ConfigOption} of its text (default, description and accepted values included): what
     * Flink's factories declare (a SQL provider's {@code optionalOptions()}, validated by FactoryUtil) before the text
     * is parsed here, with this key's checks and messages.
     */
    public ConfigOption<String> option() {
        String help = description + " (" + accepted + ")";
        return defaultValue == null
                ? ConfigOptions.key(name).stringType().noDefaultValue().withDescription(help)
                : ConfigOptions.key(name)
                        .stringType()
                        .defaultValue(defaultValue)
                        .withDescription(help);
    }

    public static ConfigKey<Integer> positiveInt(String name, String def, String description) {
        return intAtLeast(1, name, def, description);
    }

    public static ConfigKey<Integer> nonNegativeInt(String name, String def, String description) {
        return intAtLeast(0, name, def, description);
    }

    private static ConfigKey<Integer> intAtLeast(int min, String name, String def, String description) {
        return new ConfigKey<>(
                name,
                v -> {
                    int i = Integer.parseInt(v);
                    if (i < min) {
                        throw new IllegalArgumentException();
                    }
                    return i;
                },
                def,
                "accepted: a whole number ≥ " + min,
                description);
    }

    public static ConfigKey<Boolean> bool(String name, String def, String description) {
        return new ConfigKey<>(
                name,
                v -> switch (v.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new IllegalArgumentException();
                },
                def,
                "accepted: true, false",
                description);
    }

    public static ConfigKey<String> string(String name, String def, String description) {
        return new ConfigKey<>(name, v -> v, def, "accepted: any text", description);
    }

    public static ConfigKey<String> oneOf(String name, String def, String description, String... values) {
        List<String> allowed = List.of(values);
        return new ConfigKey<>(
                name,
                v -> {
                    if (!allowed.contains(v)) {
                        throw new IllegalArgumentException();
                    }
                    return v;
                },
                def,
                "accepted: " + String.join(", ", values),
                description);
    }

    /** A number from 0 to 1 (a share). */
    public static ConfigKey<Double> fraction(String name, String def, String description) {
        return new ConfigKey<>(
                name,
                v -> {
                    double d = Double.parseDouble(v);
                    if (!(d >= 0 && d <= 1)) {
                        throw new IllegalArgumentException();
                    }
                    return d;
                },
                def,
                "accepted: a number from 0 to 1, e.g. 0.1",
                description);
    }

    public static ConfigKey<Double> nonNegativeDouble(String name, String def, String description) {
        return new ConfigKey<>(
                name,
                v -> {
                    double d = Double.parseDouble(v);
                    if (!(d >= 0 && d < 1e6)) {
                        throw new IllegalArgumentException();
                    }
                    return d;
                },
                def,
                "accepted: a number ≥ 0, e.g. 3",
                description);
    }

    /**
     * Milliseconds, parsed by Flink's own duration parser (as in flink-conf.yaml): a number with ms, s, min, h or d
     * (e.g. 50ms, 10s, 2min; a bare number is milliseconds).
     */
    public static ConfigKey<Long> duration(String name, String def, String description) {
        return new ConfigKey<>(
                name,
                v -> {
                    if (v.strip().startsWith("-")) {
                        throw new IllegalArgumentException();
                    }
                    return TimeUtils.parseDuration(v).toMillis();
                },
                def,
                "accepted: a duration such as 50ms, 10s or 2min (a bare number is milliseconds)",
                description);
    }

    /** A size in bytes, parsed by Flink's {@link MemorySize} (binary: 64mb = 64 × 2^20 bytes); at least 1. */
    public static ConfigKey<Long> bytes(String name, String def, String description) {
        return new ConfigKey<>(
                name,
                v -> {
                    long n = MemorySize.parse(v).getBytes();
                    if (n < 1) {
                        throw new IllegalArgumentException();
                    }
                    return n;
                },
                def,
                "accepted: a size such as 512kb, 64mb or 1gb (a bare number is bytes)",
                description);
    }
}
