package dev.flinkembed.operators.config;

/** Secrets come from the environment, never from files or arguments that end up in logs or the job graph. */
public final class Secrets {

    private Secrets() {}

    /** The value of environment variable {@code variable}, named by {@code option}; a ConfigException when unset. */
    public static String fromEnvironment(String option, String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isEmpty()) {
            throw ConfigException.badOption(option, variable, "the name of a set, non-empty environment variable");
        }
        return value;
    }
}
