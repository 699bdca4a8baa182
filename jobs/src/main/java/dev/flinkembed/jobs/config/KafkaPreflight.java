package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.config.ConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks the brokers before the job starts, with each role's own client properties: reachable within the timeout,
 * authenticated, the input topic exists and may be read by the job's group, the output topics may be written (or
 * created), the exactly-once producers may use their transactional ids. Then (once every other check passed too)
 * creates the output topics that are missing, with the input's partition count and the brokers' default replication.
 * An authentication or authorization failure is a configuration error (exit 2) naming the principal, the topic and
 * Kafka's reason.
 */
public final class KafkaPreflight {

    /** What the job reads. */
    public record Input(String topic, String groupId, Map<String, String> properties) {}

    /**
     * What the job writes to a topic; {@code transactionalIdPrefix} null when it writes without transactions.
     * {@code role} names the client in messages ("the dead-letter topic's producer").
     */
    public record Output(String topic, Map<String, String> properties, String transactionalIdPrefix, String role) {}

    private KafkaPreflight() {}

    /** Read-only: returns the output topics that do not exist yet. */
    public static List<String> check(String bootstrap, Input input, List<Output> outputs, long timeoutMillis) {
        return run(bootstrap, input, outputs, timeoutMillis, false);
    }

    /** Creates the missing output topics; returns them. */
    public static List<String> createMissing(String bootstrap, Input input, List<Output> outputs, long timeoutMillis) {
        return run(bootstrap, input, outputs, timeoutMillis, true);
    }

    private static List<String> run(
            String bootstrap, Input input, List<Output> outputs, long timeoutMillis, boolean create) {
        String consumer = KafkaClientProperties.Role.SOURCE.description();
        TopicDescription in;
        try (Admin admin = admin(bootstrap, input.properties(), timeoutMillis)) {
            reach(admin, bootstrap, input.properties(), consumer, timeoutMillis);
            in = describe(
                    admin, bootstrap, input.topic() + "'", input.topic(), input.properties(), consumer, timeoutMillis);
            if (in == null) {
                Set<String> existing = get(admin.listTopics().names(), timeoutMillis, bootstrap);
                throw new ConfigException("configuration key 'kafka.topic': topic '" + input.topic()
                        + "' does not exist at " + bootstrap
                        + (existing.isEmpty() ? "" : " (topics there: " + preview(existing) + ")"));
            }
            requireOperation(
                    in.authorizedOperations(),
                    AclOperation.READ,
                    "read",
                    "topic '" + input.topic() + "'",
                    bootstrap,
                    input.properties(),
                    consumer,
                    "--operation Read --topic " + input.topic());
            checkGroup(admin, bootstrap, input, timeoutMillis);
        }
        List<String> missing = new ArrayList<>();
        for (Output out : outputs) {
            try (Admin admin = admin(bootstrap, out.properties(), timeoutMillis)) {
                if (!out.properties().equals(input.properties())) {
                    reach(admin, bootstrap, out.properties(), out.role(), timeoutMillis);
                }
                TopicDescription d = describe(
                        admin,
                        bootstrap,
                        out.topic() + "' (without DESCRIBE Kafka does not say whether it exists; the job needs "
                                + "DESCRIBE and WRITE on it, and CREATE while it is missing)",
                        out.topic(),
                        out.properties(),
                        out.role(),
                        timeoutMillis);
                if (d != null) {
                    requireOperation(
                            d.authorizedOperations(),
                            AclOperation.WRITE,
                            "write to",
                            "topic '" + out.topic() + "'",
                            bootstrap,
                            out.properties(),
                            out.role(),
                            "--operation Write --topic " + out.topic());
                } else if (!missing.contains(out.topic())) {
                    missing.add(out.topic());
                    NewTopic topic = new NewTopic(
                            out.topic(), Optional.of(in.partitions().size()), Optional.empty());
                    try {
                        get(
                                admin.createTopics(List.of(topic), new CreateTopicsOptions().validateOnly(!create))
                                        .all(),
                                timeoutMillis,
                                bootstrap);
                    } catch (ConfigException e) {
                        if (e.getCause() instanceof AuthorizationException a) {
                            throw unauthorized(
                                    "create",
                                    "topic '" + out.topic() + "' (it does not exist yet; create"
                                            + " it yourself or grant CREATE)",
                                    bootstrap,
                                    out.properties(),
                                    out.role(),
                                    a,
                                    "--operation Create --topic " + out.topic());
                        }
                        throw e;
                    }
                }
                if (out.transactionalIdPrefix() != null) {
                    checkTransactionalIds(admin, bootstrap, out, timeoutMillis);
                }
            }
        }
        return missing;
    }

    private static Admin admin(String bootstrap, Map<String, String> properties, long timeoutMillis) {
        Map<String, Object> conf = new HashMap<>(properties);
        conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMillis);
        conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        try {
            return Admin.create(conf);
        } catch (RuntimeException e) { // a provider reference that does not resolve here, a bad property value
            throw new ConfigException("the Kafka client properties cannot make a client (" + rootMessage(e) + ")");
        }
    }

    private static void reach(
            Admin admin, String bootstrap, Map<String, String> props, String role, long timeoutMillis) {
        try {
            await(admin.describeCluster().nodes(), timeoutMillis, bootstrap);
        } catch (Failed e) {
            AuthenticationException auth = find(e, AuthenticationException.class);
            if (auth != null) {
                throw new ConfigException("Kafka authentication failed at '" + bootstrap + "' for "
                        + principal(props) + " (" + role + "): " + rootMessage(auth)
                        + " — check security.protocol, sasl.* and ssl.* in the Kafka client properties");
            }
            throw new ConfigException("configuration key 'kafka.bootstrap-servers': cannot reach Kafka at '"
                    + bootstrap + "' within " + timeoutMillis + " ms (" + rootMessage(e) + ")"
                    + (props.containsKey("security.protocol")
                            ? ""
                            : "; if the brokers need TLS or SASL, set kafka.properties.security.protocol"));
        }
    }

    /** The topic with the principal's authorized operations, or null when it does not exist. */
    private static TopicDescription describe(
            Admin admin,
            String bootstrap,
            String what,
            String topic,
            Map<String, String> props,
            String role,
            long timeoutMillis) {
        try {
            return await(
                            admin.describeTopics(
                                            List.of(topic),
                                            new DescribeTopicsOptions().includeAuthorizedOperations(true))
                                    .allTopicNames(),
                            timeoutMillis,
                            bootstrap)
                    .get(topic);
        } catch (Failed e) {
            if (find(e, UnknownTopicOrPartitionException.class) != null) {
                return null;
            }
            AuthorizationException a = find(e, AuthorizationException.class);
            if (a != null) {
                throw unauthorized(
                        "describe",
                        "topic '" + what,
                        bootstrap,
                        props,
                        role,
                        a,
                        "--operation Describe --topic " + topic);
            }
            throw noAnswer(bootstrap, e);
        }
    }

    private static void checkGroup(Admin admin, String bootstrap, Input input, long timeoutMillis) {
        String role = KafkaClientProperties.Role.SOURCE.description();
        String group = "consumer group '" + input.groupId() + "' (kafka.group-id)";
        String grant = "--operation Read --group " + input.groupId();
        try {
            ConsumerGroupDescription g = await(
                    admin.describeConsumerGroups(
                                    List.of(input.groupId()),
                                    new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
                            .describedGroups()
                            .get(input.groupId()),
                    timeoutMillis,
                    bootstrap);
            requireOperation(
                    g.authorizedOperations(),
                    AclOperation.READ,
                    "use",
                    group,
                    bootstrap,
                    input.properties(),
                    role,
                    grant);
        } catch (Failed e) {
            if (find(e, GroupIdNotFoundException.class) != null) {
                return; // a new group: the first checkpoint's commit creates it
            }
            AuthorizationException a = find(e, AuthorizationException.class);
            if (a != null) {
                throw unauthorized("use", group, bootstrap, input.properties(), role, a, grant);
            }
            throw noAnswer(bootstrap, e);
        }
    }

    /** An id of the prefix the exactly-once producer will use: not found is fine, unauthorized is not. */
    private static void checkTransactionalIds(Admin admin, String bootstrap, Output out, long timeoutMillis) {
        try {
            await(
                    admin.describeTransactions(List.of(out.transactionalIdPrefix() + "-0-1"))
                            .all(),
                    timeoutMillis,
                    bootstrap);
        } catch (Failed e) {
            if (find(e, TransactionalIdNotFoundException.class) != null) {
                return;
            }
            AuthorizationException a = find(e, AuthorizationException.class);
            if (a != null) {
                throw unauthorized(
                        "use",
                        "transactional ids starting '" + out.transactionalIdPrefix() + "' (exactly-once writes to '"
                                + out.topic() + "')",
                        bootstrap,
                        out.properties(),
                        out.role(),
                        a,
                        "--operation Write --transactional-id " + out.transactionalIdPrefix()
                                + " --resource-pattern-type prefixed");
            }
            throw noAnswer(bootstrap, e);
        }
    }

    private static void requireOperation(
            Set<AclOperation> allowed,
            AclOperation needed,
            String verb,
            String what,
            String bootstrap,
            Map<String, String> props,
            String role,
            String grant) {
        // null: the brokers do not report authorized operations (no authorizer) — nothing to check
        if (allowed != null && !allowed.contains(needed) && !allowed.contains(AclOperation.ALL)) {
            throw unauthorized(verb, what, bootstrap, props, role, null, grant);
        }
    }

    private static ConfigException unauthorized(
            String verb,
            String what,
            String bootstrap,
            Map<String, String> props,
            String role,
            AuthorizationException cause,
            String grant) {
        String principal = principal(props);
        ConfigException e = new ConfigException("Kafka authorization failed at '" + bootstrap + "': " + principal
                + " may not " + verb + " " + what + " (" + role + ")"
                + (cause == null ? "" : ": " + rootMessage(cause).replaceAll("\\.+$", ""))
                + ". Grant it, e.g. kafka-acls --add "
                + "--allow-principal " + principalName(props) + " " + grant);
        return e;
    }

    private static final Pattern USERNAME = Pattern.compile("(?i)\\busername\\s*=\\s*\"?([^\"\\s;]+)\"?");

    /** The principal the properties authenticate as, as far as they say: for messages, never a secret. */
    static String principal(Map<String, String> props) {
        String protocol = props.getOrDefault("security.protocol", "PLAINTEXT");
        String mechanism = props.getOrDefault("sasl.mechanism", "GSSAPI");
        String how = protocol.startsWith("SASL") ? protocol + ", " + mechanism : protocol;
        return "principal '" + principalName(props) + "' (" + how + ")";
    }

    private static String principalName(Map<String, String> props) {
        String protocol = props.getOrDefault("security.protocol", "PLAINTEXT");
        if (protocol.startsWith("SASL")) {
            Matcher m = USERNAME.matcher(props.getOrDefault("sasl.jaas.config", ""));
            return m.find() ? "User:" + m.group(1) : "User:<the SASL identity in sasl.jaas.config>";
        }
        if (protocol.equals("SSL")) {
            return props.containsKey("ssl.keystore.location")
                    ? "User:<the certificate's subject in ssl.keystore.location>"
                    : "User:ANONYMOUS";
        }
        return "User:ANONYMOUS";
    }

    /** A Kafka call that failed or did not answer in time (an interrupt is a {@link ConfigException} at once). */
    private static final class Failed extends Exception {
        Failed(Exception cause) {
            super(cause);
        }
    }

    private static <T> T await(Future<T> f, long timeoutMillis, String bootstrap) throws Failed {
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while checking Kafka at " + bootstrap);
        } catch (TimeoutException | ExecutionException e) {
            throw new Failed(e);
        }
    }

    /** The future's value; no answer (an authorization failure attached as the cause) is a {@link ConfigException}. */
    private static <T> T get(Future<T> f, long timeoutMillis, String bootstrap) {
        try {
            return await(f, timeoutMillis, bootstrap);
        } catch (Failed e) {
            ConfigException c = noAnswer(bootstrap, e);
            AuthorizationException a = find(e, AuthorizationException.class);
            if (a != null) {
                c.initCause(a);
            }
            throw c;
        }
    }

    private static ConfigException noAnswer(String bootstrap, Exception e) {
        return new ConfigException("configuration key 'kafka.bootstrap-servers': Kafka at '" + bootstrap
                + "' did not answer: " + rootMessage(e));
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String preview(Set<String> names) {
        List<String> sorted = names.stream().sorted().limit(10).toList();
        return String.join(", ", sorted) + (names.size() > 10 ? ", ..." : "");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
