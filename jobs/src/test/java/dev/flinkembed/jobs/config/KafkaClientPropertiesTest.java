package dev.flinkembed.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flinkembed.jobs.config.KafkaClientProperties.Role;
import dev.flinkembed.operators.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientPropertiesTest {

    @TempDir
    Path dir;

    static JobConfig config(String... sets) {
        return JobConfig.load(null, List.of(sets));
    }

    @Test
    void theFileThenSharedKeysThenTheRolesOwnEachOverTheOneBefore() throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(
                file,
                "# Confluent-Cloud style\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nclient.id=from-file\n"
                        + "linger.ms=5\n");
        JobConfig c = config(
                "kafka.properties-file=" + file,
                "kafka.properties.client.id=shared",
                "kafka.vectors.properties.client.id=vectors",
                "kafka.source.properties.fetch.max.bytes=1048576");
        assertThat(KafkaClientProperties.of(c, Role.SOURCE))
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("client.id", "shared")
                .containsEntry("fetch.max.bytes", "1048576");
        assertThat(KafkaClientProperties.of(c, Role.VECTORS))
                .containsEntry("client.id", "vectors")
                .containsEntry("linger.ms", "5")
                .doesNotContainKey("fetch.max.bytes");
        assertThat(KafkaClientProperties.of(c, Role.DEAD_LETTERS)).containsEntry("client.id", "shared");
    }

    @Test
    void providerReferencesDeclareTheirProviders() {
        JobConfig c = config(
                "kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"alice\" password=\"${env:KAFKA_PASSWORD}\";",
                "kafka.properties.ssl.truststore.password=${file:/etc/kafka/secrets.properties:truststore}");
        Map<String, String> p = KafkaClientProperties.of(c, Role.SOURCE);
        assertThat(p)
                .containsEntry("config.providers", "env,file")
                .containsEntry(
                        "config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider")
                .containsEntry(
                        "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        // the client itself resolves them: a file reference, read where the client starts
        assertThat(new AdminClientConfig(Map.of("bootstrap.servers", "h:1", "config.providers", "env")).originals())
                .isNotEmpty();
    }

    @Test
    void literalSecretsAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> KafkaClientProperties.of(
                        config(
                                "kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                                        + " required username=\"k\" password=\"hunter2\";"),
                        Role.SOURCE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("configuration key 'kafka.properties.sasl.jaas.config'")
                .hasMessageContaining("literal secret")
                .hasMessageContaining("${env:KAFKA_PASSWORD}")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> KafkaClientProperties.of(
                        config("kafka.dead-letter.properties.ssl.key.password=hunter2"), Role.DEAD_LETTERS))
                .hasMessageContaining("'kafka.dead-letter.properties.ssl.key.password'")
                .hasMessageNotContaining("hunter2");
        // no password in the JAAS line (MSK IAM, OAUTHBEARER): nothing to refuse
        assertThat(KafkaClientProperties.of(
                        config(
                                "kafka.properties.sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;"),
                        Role.SOURCE))
                .containsKey("sasl.jaas.config");
    }

    @Test
    void managedKeysAndTyposAreRefusedWithWhatToDo(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(
                        () -> KafkaClientProperties.of(config("kafka.properties.bootstrap.servers=h:1"), Role.SOURCE))
                .hasMessageContaining("'kafka.properties.bootstrap.servers'")
                .hasMessageContaining("set kafka.bootstrap-servers");
        assertThatThrownBy(() -> KafkaClientProperties.of(config("kafka.source.properties.group.id=g"), Role.SOURCE))
                .hasMessageContaining("set kafka.group-id");
        assertThatThrownBy(() -> KafkaClientProperties.of(config("kafka.properties.sasl.mechansim=PLAIN"), Role.SOURCE))
                .hasMessageContaining(
                        "'sasl.mechansim' is not a Kafka client property; did you mean 'sasl.mechanism'?");
        Path file = tmp.resolve("c.properties");
        Files.writeString(file, "security.protocl=SSL\n");
        assertThatThrownBy(() -> KafkaClientProperties.of(config("kafka.properties-file=" + file), Role.VECTORS))
                .hasMessageContaining("'security.protocl' in " + file)
                .hasMessageContaining("did you mean 'security.protocol'");
        assertThatThrownBy(() -> KafkaClientProperties.of(
                        config("kafka.properties-file=" + tmp.resolve("missing.properties")), Role.SOURCE))
                .hasMessageContaining("configuration key 'kafka.properties-file'")
                .hasMessageContaining("no such file");
        assertThatThrownBy(() -> KafkaClientProperties.of(
                        config("kafka.vectors.properties.max.request.size=10mb"), Role.VECTORS))
                .hasMessageContaining("configuration key 'kafka.vectors.properties.max.request.size': value '10mb' is "
                        + "not accepted; Kafka reads 'max.request.size' as int");
        assertThat(KafkaClientProperties.of(config("kafka.properties.linger.ms=${env:LINGER}"), Role.VECTORS))
                .containsEntry("linger.ms", "${env:LINGER}");
        // a plugin's own key passes (an interceptor's settings, say)
        assertThat(KafkaClientProperties.of(
                        config("kafka.properties.confluent.monitoring.interceptor.topic=m"), Role.SOURCE))
                .containsEntry("confluent.monitoring.interceptor.topic", "m");
    }

    @Test
    void anUnknownFamilyKeyIsStillAnUnknownKey() {
        assertThatThrownBy(() -> config("kafka.propertie.client.id=x"))
                .hasMessageContaining("unknown configuration key 'kafka.propertie.client.id'");
        assertThatThrownBy(() -> config("kafka.properties.=x")).hasMessageContaining("unknown configuration key");
    }
}
