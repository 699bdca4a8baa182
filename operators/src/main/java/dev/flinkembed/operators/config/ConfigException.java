package dev.flinkembed.operators.config;

/** A configuration mistake, reported before any data moves: the message names the key, the value and what is accepted. */
public final class ConfigException extends IllegalArgumentException {

    public ConfigException(String message) {
        super(message);
    }

    /** A command-line option's value (one that is not a configuration key). */
    public static ConfigException badOption(String option, String value, String accepted) {
        return new ConfigException("option '" + option + "': value '" + value + "' is not accepted; " + accepted);
    }

    public static ConfigException badValue(String key, String value, String accepted) {
        return new ConfigException(
                "configuration key '" + key + "': value '" + value + "' is not accepted; " + accepted);
    }
}
