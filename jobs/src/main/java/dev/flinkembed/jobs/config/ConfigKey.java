package dev.flinkembed.jobs.config;

import java.util.function.Function;

/**
 * One configuration key: its dotted name (YAML nesting or {@code --set name=value}), how its text is parsed, its
 * default (null: unset), and a description for the README's reference and {@code --help}.
 */
public record ConfigKey<T>(String name, Function<String, T> parser, String defaultValue, String accepted,
                           String description) {

    public T parse(String value) {
        try {
            return parser.apply(value.trim());
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw ConfigException.badValue(name, value, accepted);
        }
    }

    static ConfigKey<Integer> positiveInt(String name, String def, String description) {
        return intAtLeast(1, name, def, description);
    }

    static ConfigKey<Integer> nonNegativeInt(String name, String def, String description) {
        return intAtLeast(0, name, def, description);
    }

    private static ConfigKey<Integer> intAtLeast(int min, String name, String def, String description) {
        return new ConfigKey<>(name, v -> {
            int i = Integer.parseInt(v);
            if (i < min) {
                throw new IllegalArgumentException();
            }
            return i;
        }, def, "accepted: a whole number ≥ " + min, description);
    }

    static ConfigKey<Boolean> bool(String name, String def, String description) {
        return new ConfigKey<>(name, v -> switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException();
        }, def, "accepted: true, false", description);
    }

    static ConfigKey<String> string(String name, String def, String description) {
        return new ConfigKey<>(name, v -> v, def, "accepted: any text", description);
    }

    static ConfigKey<String> oneOf(String name, String def, String description, String... values) {
        java.util.List<String> allowed = java.util.List.of(values);
        return new ConfigKey<>(name, v -> {
            if (!allowed.contains(v)) {
                throw new IllegalArgumentException();
            }
            return v;
        }, def, "accepted: " + String.join(", ", values), description);
    }

    /** A number from 0 to 1 (a share). */
    static ConfigKey<Double> fraction(String name, String def, String description) {
        return new ConfigKey<>(name, v -> {
            double d = Double.parseDouble(v);
            if (!(d >= 0 && d <= 1)) {
                throw new IllegalArgumentException();
            }
            return d;
        }, def, "accepted: a number from 0 to 1, e.g. 0.1", description);
    }

    /** Milliseconds: a number, optionally with ms, s or min (e.g. 50ms, 10s, 2min). */
    static ConfigKey<Long> duration(String name, String def, String description) {
        return new ConfigKey<>(name, v -> {
            String s = v.toLowerCase(java.util.Locale.ROOT).trim();
            long factor = 1;
            if (s.endsWith("ms")) {
                s = s.substring(0, s.length() - 2);
            } else if (s.endsWith("min")) {
                s = s.substring(0, s.length() - 3);
                factor = 60_000;
            } else if (s.endsWith("s")) {
                s = s.substring(0, s.length() - 1);
                factor = 1000;
            }
            long n = Long.parseLong(s.trim());
            if (n < 0) {
                throw new IllegalArgumentException();
            }
            return n * factor;
        }, def, "accepted: a duration such as 50ms, 10s or 2min (a bare number is milliseconds)", description);
    }

    /** A size in bytes: a number, optionally with kb, mb or gb (binary: 64mb = 64 × 2^20 bytes); at least 1. */
    static ConfigKey<Long> bytes(String name, String def, String description) {
        return new ConfigKey<>(name, v -> {
            String s = v.toLowerCase(java.util.Locale.ROOT).trim();
            long factor = 1;
            for (String[] unit : new String[][] {{"kb", "10"}, {"mb", "20"}, {"gb", "30"}, {"b", "0"}}) {
                if (s.endsWith(unit[0])) {
                    s = s.substring(0, s.length() - unit[0].length()).trim();
                    factor = 1L << Integer.parseInt(unit[1]);
                    break;
                }
            }
            long n = Long.parseLong(s);
            if (n < 1) {
                throw new IllegalArgumentException();
            }
            return Math.multiplyExact(n, factor);
        }, def, "accepted: a size such as 512kb, 64mb or 1gb (a bare number is bytes)", description);
    }
}
