package dev.flinkembed.jobs.config;

import dev.flinkembed.operators.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * Checks the brokers before the job starts: reachable within the timeout, the input topic exists; then (once every
 * other check passed too) creates the output topics that are missing, with the input's partition count and the
 * brokers' default replication.
 */
public final class KafkaPreflight {

    private KafkaPreflight() {}

    /** Read-only: returns the output topics that do not exist yet. */
    public static List<String> check(String bootstrap, String topic, List<String> outputs, long timeoutMillis) {
        return run(bootstrap, topic, outputs, timeoutMillis, false);
    }

    /** Creates the missing output topics; returns them. */
    public static List<String> createMissing(String bootstrap, String topic, List<String> outputs, long timeoutMillis) {
        return run(bootstrap, topic, outputs, timeoutMillis, true);
    }

    private static List<String> run(
            String bootstrap, String topic, List<String> outputs, long timeoutMillis, boolean create) {
        Map<String, Object> conf = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) timeoutMillis,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        try (Admin admin = Admin.create(conf)) {
            try {
                admin.describeCluster().nodes().get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new ConfigException("configuration key 'kafka.bootstrap-servers': cannot reach Kafka at '"
                        + bootstrap + "' within " + timeoutMillis + " ms (" + rootMessage(e) + ")");
            }
            Set<String> existing = admin.listTopics().names().get(timeoutMillis, TimeUnit.MILLISECONDS);
            if (!existing.contains(topic)) {
                throw new ConfigException("configuration key 'kafka.topic': topic '" + topic + "' does not exist at "
                        + bootstrap + (existing.isEmpty() ? "" : " (topics there: " + preview(existing) + ")"));
            }
            TopicDescription input = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(timeoutMillis, TimeUnit.MILLISECONDS)
                    .get(topic);
            List<String> created = new ArrayList<>();
            for (String out : outputs) {
                if (!existing.contains(out) && !created.contains(out)) {
                    created.add(out);
                    if (!create) {
                        continue;
                    }
                    admin.createTopics(List.of(new NewTopic(
                                    out, Optional.of(input.partitions().size()), Optional.empty())))
                            .all()
                            .get(timeoutMillis, TimeUnit.MILLISECONDS);
                }
            }
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while checking Kafka at " + bootstrap);
        } catch (ExecutionException | TimeoutException e) {
            throw new ConfigException("configuration key 'kafka.bootstrap-servers': Kafka at '" + bootstrap
                    + "' did not answer: " + rootMessage(e));
        }
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
