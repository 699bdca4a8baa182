package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.config.ConfigKey;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.provider.DirectoryConfigProvider;
import org.apache.kafka.common.config.provider.EnvVarConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;

/**
 * The Kafka client properties of each Kafka role of a job, as the Flink Kafka connector takes them ({@code
 * properties.*}): a client.properties file ({@code kafka.properties-file}, {@code --kafka-properties}), then {@code
 * kafka.properties.*} for every client, then the role's own ({@code kafka.source.properties.*}, ...), each over the
 * one before.
 *
 * <p>Checked on the client before anything runs: a property flink-embed sets itself is refused with the key to use
 * instead; a name that is not a Kafka client property but close to one is refused as a typo (other names pass, for
 * plugins' own keys); a password-type property (Kafka's {@link ConfigDef.Type#PASSWORD}: {@code sasl.jaas.config},
 * {@code ssl.*.password}, ...) must not hold a literal secret, only config provider references ({@code
 * ${env:NAME}}, {@code ${file:path:key}}, {@code ${dir:path:file}}), which Kafka resolves where each client starts
 * (TaskManager, JobManager, the client's preflight) — so no secret is in the job graph, the REST API or a log. The
 * providers a value references are declared ({@code config.providers}) unless the properties declare their own.
 */
public final class KafkaClientProperties {

    /** The Kafka clients of a stream job, each with its own properties over the shared ones. */
    public enum Role {
        SOURCE(JobOptions.KAFKA_SOURCE_PROPERTIES, "the documents topic's consumer"),
        VECTORS(JobOptions.KAFKA_VECTORS_PROPERTIES, "the vectors topic's producer"),
        DEAD_LETTERS(JobOptions.KAFKA_DEAD_LETTER_PROPERTIES, "the dead-letter topic's producer");

        final ConfigKey<String> family;
        final String description;

        Role(ConfigKey<String> family, String description) {
            this.family = family;
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** Set by flink-embed from its own keys (or fixed by how the job works): not settable as a property. */
    private static final Map<String, String> MANAGED = new LinkedHashMap<>();

    static {
        MANAGED.put("bootstrap.servers", "set kafka.bootstrap-servers");
        MANAGED.put("group.id", "set kafka.group-id");
        MANAGED.put("transaction.timeout.ms", "set kafka.transaction-timeout");
        MANAGED.put("transactional.id", "flink-embed derives the transactional ids from kafka.group-id and the role");
        MANAGED.put("isolation.level", "the job reads read_committed, so aborted transactions never become vectors");
        MANAGED.put("enable.auto.commit", "offsets are committed on checkpoints");
        for (String s : new String[] {"key.serializer", "value.serializer", "key.deserializer", "value.deserializer"}) {
            MANAGED.put(s, "flink-embed reads and writes the message bytes itself");
        }
    }

    /** Kafka client properties of the consumer, producer and admin client, and the Flink Kafka source's own. */
    private static final Set<String> KNOWN = new HashSet<>();

    private static final Set<String> PASSWORDS = new HashSet<>();

    /** The type Kafka parses a property's value as, for the scalar ones (a bad number is refused here). */
    private static final Map<String, ConfigDef.Type> SCALARS = new HashMap<>();

    private static final Set<ConfigDef.Type> SCALAR_TYPES = Set.of(
            ConfigDef.Type.INT,
            ConfigDef.Type.LONG,
            ConfigDef.Type.SHORT,
            ConfigDef.Type.DOUBLE,
            ConfigDef.Type.BOOLEAN);

    static {
        for (ConfigDef def :
                new ConfigDef[] {ConsumerConfig.configDef(), ProducerConfig.configDef(), AdminClientConfig.configDef()
                }) {
            def.configKeys().forEach((name, key) -> {
                KNOWN.add(name);
                if (key.type == ConfigDef.Type.PASSWORD) {
                    PASSWORDS.add(name);
                }
                if (SCALAR_TYPES.contains(key.type)) {
                    SCALARS.put(name, key.type);
                }
            });
        }
        KNOWN.addAll(Set.of(
                "partition.discovery.interval.ms",
                "client.id.prefix",
                "register.consumer.metrics",
                "commit.offsets.on.checkpoint",
                "config.providers"));
    }

    private static final Map<String, String> PROVIDERS = Map.of(
            "env", EnvVarConfigProvider.class.getName(),
            "file", FileConfigProvider.class.getName(),
            "dir", DirectoryConfigProvider.class.getName());

    /** A config provider reference: {@code ${provider:[path:]key}}. */
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+):[^}]*}");

    /** A secret inside a JAAS line: {@code password="..."} or {@code clientSecret=...}. */
    private static final Pattern JAAS_SECRET =
            Pattern.compile("(?i)\\b(password|clientSecret|client_secret|secret)\\s*=\\s*(\"[^\"]*\"|[^\\s;]+)");

    private KafkaClientProperties() {}

    /** The properties of {@code role}, checked, with the config providers they reference declared. */
    public static Map<String, String> of(JobConfig c, Role role) {
        Map<String, String> props = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        if (c.isSet(JobOptions.KAFKA_PROPERTIES_FILE)) {
            Path file = Path.of(c.get(JobOptions.KAFKA_PROPERTIES_FILE));
            readFile(file).forEach((k, v) -> {
                props.put(k, v);
                origin.put(k, "'" + k + "' in " + file + " (kafka.properties-file)");
            });
        }
        for (ConfigKey<String> family : new ConfigKey[] {JobOptions.KAFKA_PROPERTIES, role.family}) {
            String prefix = JobOptions.familyPrefix(family);
            c.family(family).forEach((k, v) -> {
                props.put(k, v);
                origin.put(k, "configuration key '" + prefix + k + "'");
            });
        }
        props.forEach((k, v) -> check(k, v, origin.get(k)));
        declareProviders(props);
        return props;
    }

    /** Every role's properties, checked: a job that reads and writes Kafka fails on any of them before it starts. */
    public static void checkAll(JobConfig c) {
        for (Role r : Role.values()) {
            of(c, r);
        }
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw ConfigException.badValue(
                    JobOptions.KAFKA_PROPERTIES_FILE.name(),
                    file.toString(),
                    "a readable Kafka client.properties file (no such file)");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw ConfigException.badValue(
                    JobOptions.KAFKA_PROPERTIES_FILE.name(),
                    file.toString(),
                    "a readable Kafka client.properties file (" + e.getMessage() + ")");
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().stream()
                .sorted()
                .forEach(k -> out.put(k.trim(), p.getProperty(k).trim()));
        return out;
    }

    private static void check(String name, String value, String where) {
        String managed = MANAGED.get(name);
        if (managed != null) {
            throw new ConfigException(where + ": Kafka property '" + name + "' is not accepted here: " + managed);
        }
        if (!KNOWN.contains(name) && !name.startsWith("config.providers.")) {
            String hint = closest(name);
            if (hint != null) {
                throw new ConfigException(
                        where + ": '" + name + "' is not a Kafka client property; did you mean '" + hint + "'?");
            }
        }
        ConfigDef.Type type = SCALARS.get(name);
        if (type != null && !REFERENCE.matcher(value).find()) {
            try {
                ConfigDef.parseType(name, value, type);
            } catch (org.apache.kafka.common.config.ConfigException e) {
                throw new ConfigException(where + ": value '" + value + "' is not accepted; Kafka reads '" + name
                        + "' as " + type.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (PASSWORDS.contains(name) && hasLiteralSecret(name, value)) {
            throw new ConfigException(where + ": Kafka property '" + name + "' holds a literal secret, which would "
                    + "travel in the job graph and show in Flink's REST API; accepted: a config provider reference "
                    + "resolved where the client runs, such as ${env:KAFKA_PASSWORD} or "
                    + "${file:/etc/kafka/secrets.properties:password}"
                    + (name.equals("sasl.jaas.config") ? " for the password in the JAAS line" : ""));
        }
    }

    /** Whether a password-type value has a secret that is not a provider reference. */
    static boolean hasLiteralSecret(String name, String value) {
        if (name.equals("sasl.jaas.config")) {
            Matcher m = JAAS_SECRET.matcher(value);
            while (m.find()) {
                if (!REFERENCE.matcher(m.group(2)).find()) {
                    return true;
                }
            }
            return false;
        }
        return !value.isBlank() && !REFERENCE.matcher(value).find();
    }

    /** Adds {@code config.providers} for the references used, when the properties do not declare providers. */
    private static void declareProviders(Map<String, String> props) {
        if (props.containsKey("config.providers")) {
            return;
        }
        Set<String> used = new LinkedHashSet<>();
        for (String v : props.values()) {
            Matcher m = REFERENCE.matcher(v);
            while (m.find()) {
                if (PROVIDERS.containsKey(m.group(1))) {
                    used.add(m.group(1));
                }
            }
        }
        if (!used.isEmpty()) {
            props.put("config.providers", String.join(",", used));
            used.forEach(p -> props.put("config.providers." + p + ".class", PROVIDERS.get(p)));
        }
    }

    /** A known property within two edits of {@code name}, or null. */
    private static String closest(String name) {
        String best = null;
        int bestDistance = 3;
        for (String k : KNOWN) {
            int d = JobOptions.distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }
}
