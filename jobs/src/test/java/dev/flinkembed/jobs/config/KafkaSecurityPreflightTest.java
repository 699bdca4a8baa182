package dev.flinkembed.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.jobs.config.KafkaClientProperties.Role;
import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.testing.SecuredKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream job's preflight against a broker with a SASL_SSL listener (SCRAM-SHA-512 over TLS) and ACLs: the right
 * credentials pass, a wrong password is refused naming authentication and the principal, a principal without READ
 * on the topic, without the consumer group or without CREATE for a missing output topic is refused naming the
 * operation and the resource — each a {@link ConfigException} (exit 2) before anything runs. The secrets come from a
 * file through Kafka's {@code ${file:...}} provider, so they are not in the properties.
 */
class KafkaSecurityPreflightTest {

    static final String ALICE_PASSWORD = "alice-" + Long.toHexString(System.nanoTime());
    static final String BOB_PASSWORD = "bob-" + Long.toHexString(System.nanoTime() * 3);

    @TempDir
    static Path dir;

    static SecuredKafka kafka;
    static Path secrets;

    @BeforeAll
    static void start() throws Exception {
        kafka = SecuredKafka.start(dir.resolve("broker"), Map.of("alice", ALICE_PASSWORD, "bob", BOB_PASSWORD));
        kafka.broker.createTopic("docs", 2);
        kafka.broker.createTopic("docs.dead-letter", 2);
        kafka.allow("alice", ResourceType.TOPIC, "docs", false, AclOperation.READ);
        kafka.allow("alice", ResourceType.TOPIC, "docs.", true, AclOperation.WRITE, AclOperation.CREATE);
        kafka.allow("alice", ResourceType.GROUP, "flink-embed", false, AclOperation.READ);
        kafka.allow("alice", ResourceType.TRANSACTIONAL_ID, "flink-embed-", true, AclOperation.WRITE);
        kafka.allow("bob", ResourceType.TOPIC, "docs", false, AclOperation.DESCRIBE);
        secrets = dir.resolve("secrets.properties");
        Files.writeString(
                secrets,
                "alice=" + ALICE_PASSWORD + "\nbob=" + BOB_PASSWORD + "\nwrong=not-the-password\ntruststore="
                        + kafka.truststorePassword + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    static JobConfig config(String user, String secretKey, String... more) {
        List<String> sets = new ArrayList<>(List.of(
                "kafka.properties.security.protocol=SASL_SSL",
                "kafka.properties.sasl.mechanism=SCRAM-SHA-512",
                "kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"" + user + "\" password=\"${file:" + secrets + ":" + secretKey + "}\";",
                "kafka.properties.ssl.truststore.location=" + kafka.truststore,
                "kafka.properties.ssl.truststore.password=${file:" + secrets + ":truststore}"));
        sets.addAll(List.of(more));
        return JobConfig.load(null, sets);
    }

    static List<String> preflight(JobConfig c, String... outputs) {
        List<KafkaPreflight.Output> out = new ArrayList<>();
        for (String topic : outputs) {
            out.add(new KafkaPreflight.Output(
                    topic,
                    KafkaClientProperties.of(c, Role.DEAD_LETTERS),
                    "flink-embed-flink-embed-dead-letters",
                    Role.DEAD_LETTERS.description()));
        }
        return KafkaPreflight.check(
                kafka.saslBootstrap(),
                new KafkaPreflight.Input(
                        "docs", c.get(JobOptions.KAFKA_GROUP_ID), KafkaClientProperties.of(c, Role.SOURCE)),
                out,
                15_000);
    }

    @Test
    void theRightCredentialsPass() {
        assertThat(preflight(config("alice", "alice"), "docs.dead-letter", "docs.vectors"))
                .containsExactly("docs.vectors");
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailureNamingThePrincipal() {
        assertThatThrownBy(() -> preflight(config("alice", "wrong"), "docs.dead-letter"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Kafka authentication failed at '" + kafka.saslBootstrap()
                        + "' for principal 'User:alice' (SASL_SSL, SCRAM-SHA-512)")
                .hasMessageContaining("the documents topic's consumer")
                .hasMessageNotContaining("not-the-password")
                .satisfies(e -> System.out.println("preflight, wrong password: " + e.getMessage()));
    }

    @Test
    void aPrincipalWithoutReadIsAnAuthorizationFailureNamingTheTopic() {
        assertThatThrownBy(() -> preflight(config("bob", "bob"), "docs.dead-letter"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("principal 'User:bob' (SASL_SSL, SCRAM-SHA-512) may not read topic 'docs'")
                .hasMessageContaining("kafka-acls --add --allow-principal User:bob --operation Read --topic docs")
                .satisfies(e -> System.out.println("preflight, no READ: " + e.getMessage()));
    }

    @Test
    void aGroupOrAnOutputTopicWithoutTheAclIsRefusedToo() {
        assertThatThrownBy(() -> preflight(config("alice", "alice", "kafka.group-id=other"), "docs.dead-letter"))
                .hasMessageContaining("may not use consumer group 'other'");
        assertThatThrownBy(() -> preflight(config("alice", "alice"), "elsewhere.dead-letter"))
                .hasMessageContaining("may not describe topic 'elsewhere.dead-letter' (without DESCRIBE")
                .hasMessageContaining("--operation Describe --topic elsewhere.dead-letter");
    }

    @Test
    void plaintextAgainstATlsListenerSaysHowToSetTheProtocol() {
        JobConfig plain = JobConfig.load(null, List.of("kafka.check-timeout=3s"));
        assertThatThrownBy(() -> KafkaPreflight.check(
                        kafka.saslBootstrap(),
                        new KafkaPreflight.Input("docs", "flink-embed", KafkaClientProperties.of(plain, Role.SOURCE)),
                        List.of(),
                        3_000))
                .hasMessageContaining("set kafka.properties.security.protocol");
    }
}
