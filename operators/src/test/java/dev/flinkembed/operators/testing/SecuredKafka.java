package dev.flinkembed.operators.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A KRaft broker as a secured cluster runs: a SASL_SSL listener (SCRAM-SHA-512 over TLS, with a key pair and a
 * trust store made here by the JDK's keytool) and ACLs enforced by KRaft's StandardAuthorizer, nothing allowed
 * without an ACL. The test harness itself talks to the PLAINTEXT listener, whose principal (ANONYMOUS) is the super
 * user: it creates topics and grants ACLs ({@link #allow}); the code under test only ever sees {@link
 * #saslBootstrap()}.
 */
public final class SecuredKafka implements AutoCloseable {

    public final KafkaBroker broker;
    private final int saslPort;
    /** The broker's certificate as a PKCS12 trust store, and its password. */
    public final Path truststore;

    public final String truststorePassword;

    private SecuredKafka(KafkaBroker broker, int saslPort, Path truststore, String truststorePassword) {
        this.broker = broker;
        this.saslPort = saslPort;
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
    }

    /** {@code users}: SCRAM-SHA-512 user name → password, created when the storage is formatted. */
    public static SecuredKafka start(Path dir, Map<String, String> users) throws Exception {
        Files.createDirectories(dir);
        String storePassword = "ks-" + Long.toHexString(System.nanoTime());
        String trustPassword = "ts-" + Long.toHexString(System.nanoTime() * 7);
        Path keystore = dir.resolve("broker.p12");
        Path cert = dir.resolve("broker.pem");
        Path truststore = dir.resolve("truststore.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "3",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                storePassword,
                "-keypass",
                storePassword);
        keytool(
                "-exportcert",
                "-alias",
                "broker",
                "-keystore",
                keystore.toString(),
                "-storepass",
                storePassword,
                "-rfc",
                "-file",
                cert.toString());
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                cert.toString(),
                "-keystore",
                truststore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                trustPassword);
        int saslPort = PgliteServer.freePort();
        List<String> format = new ArrayList<>();
        users.forEach((name, password) -> {
            format.add("--add-scram");
            format.add("SCRAM-SHA-512=[name=" + name + ",password=" + password + "]");
        });
        KafkaServerProcess process = KafkaServerProcess.start(
                dir.resolve("kafka"),
                "SASL_SSL://127.0.0.1:" + saslPort,
                List.of(
                        "sasl.enabled.mechanisms=SCRAM-SHA-512",
                        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
                                + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                        "listener.name.sasl_ssl.ssl.keystore.location=" + keystore,
                        "listener.name.sasl_ssl.ssl.keystore.password=" + storePassword,
                        "listener.name.sasl_ssl.ssl.key.password=" + storePassword,
                        "listener.name.sasl_ssl.ssl.keystore.type=PKCS12",
                        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                        "super.users=User:ANONYMOUS",
                        "allow.everyone.if.no.acl.found=false"),
                format);
        return new SecuredKafka(new KafkaBroker(null, process), saslPort, truststore, trustPassword);
    }

    /** The SASL_SSL listener: what a secured client connects to. */
    public String saslBootstrap() {
        return "127.0.0.1:" + saslPort;
    }

    /** Allows {@code user} the operations on a resource (LITERAL, or PREFIXED when {@code prefixed}). */
    public void allow(String user, ResourceType type, String name, boolean prefixed, AclOperation... operations)
            throws Exception {
        List<AclBinding> bindings = new ArrayList<>();
        for (AclOperation op : operations) {
            bindings.add(new AclBinding(
                    new ResourcePattern(type, name, prefixed ? PatternType.PREFIXED : PatternType.LITERAL),
                    new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createAcls(bindings).all().get();
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool " + args[0] + " failed:\n" + out);
        }
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }
}
