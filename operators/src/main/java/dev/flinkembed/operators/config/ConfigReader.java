package dev.flinkembed.operators.config;

/** A validated configuration as the components read it: the job's YAML, --set, flags, or a SQL WITH map. */
public interface ConfigReader {

    /** The value, the default, or null when neither is set. */
    <T> T get(ConfigKey<T> key);

    /** The value or default; a {@link ConfigException} saying {@code how} to set it when there is neither. */
    default <T> T require(ConfigKey<T> key, String how) {
        T v = get(key);
        if (v == null) {
            throw new ConfigException("configuration key '" + key.name() + "' is required: " + how);
        }
        return v;
    }

    /** Whether the key was given (not only defaulted). */
    boolean isSet(ConfigKey<?> key);

    /**
     * This configuration with {@code overrides} in place of what it says (e.g. a reader's "never create"), the other
     * keys as given.
     */
    default ConfigReader overriding(java.util.Map<ConfigKey<?>, String> overrides) {
        ConfigReader base = this;
        return new ConfigReader() {
            @Override
            public <T> T get(ConfigKey<T> key) {
                String v = overrides.get(key);
                return v != null ? key.parse(v) : base.get(key);
            }

            @Override
            public boolean isSet(ConfigKey<?> key) {
                return base.isSet(key);
            }
        };
    }
}
