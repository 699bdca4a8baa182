package dev.flinkembed.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.flinkembed.jobs.TestCorpus;
import dev.flinkembed.jobs.cli.FlinkEmbedCli;
import dev.flinkembed.jobs.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Kubernetes manifests in deploy/ cannot be applied here (no Kubernetes), so they are checked against what would
 * reject them: every flink-embed command line in them is parsed by the CLI's own parser, every {@code --set} key and
 * value by the job's configuration validation, and every Flink setting of conf/flink-cluster.yaml is present with the
 * same value in each FlinkDeployment.
 */
class DeploymentManifestsTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(out::add);
        }
        return out;
    }

    private static List<Path> manifests() throws Exception {
        try (Stream<Path> files = Files.list(TestCorpus.locate("deploy/kubernetes"))) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /** The flink-embed arguments of every job in the manifests (after the jar path in a `flink run` command line). */
    private static Map<String, List<String>> commandLines() throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Path file : manifests()) {
            for (JsonNode doc : documents(file)) {
                String where = file.getFileName() + " " + doc.path("kind").asText() + " "
                        + doc.path("metadata").path("name").asText();
                JsonNode job = doc.path("spec").path("job");
                if (job.has("args")) {
                    assertThat(job.path("entryClass").asText()).isEqualTo(FlinkEmbedCli.class.getName());
                    assertThat(job.path("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/flink-embed-all.jar");
                    out.put(where, strings(job.path("args")));
                }
                for (JsonNode c : doc.path("spec")
                        .path("jobTemplate")
                        .path("spec")
                        .path("template")
                        .path("spec")
                        .path("containers")) {
                    List<String> args = strings(c.path("args"));
                    int jar = args.indexOf("/opt/flink/usrlib/flink-embed-all.jar");
                    assertThat(jar).as("%s runs the job jar", where).isPositive();
                    out.put(where, args.subList(jar + 1, args.size()));
                }
            }
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void everyCommandLineIsAcceptedByTheCliAndEveryKeyByTheJobsValidation() throws Exception {
        Map<String, List<String>> lines = commandLines();
        assertThat(lines.keySet())
                .as("bulk application, stream session job, nightly bulk and reindex CronJobs")
                .hasSize(4);
        lines.forEach((where, args) -> {
            CommandLine.ParseResult parsed =
                    new CommandLine(new FlinkEmbedCli()).parseArgs(args.toArray(String[]::new));
            assertThat(parsed.subcommand()).as(where).isNotNull();
            List<String> overrides = parsed.subcommand().matchedOptionValue("--set", List.<String>of());
            JobConfig.load(null, overrides); // throws on an unknown key or a bad value
        });
    }

    @Test
    void everyFlinkDeploymentCarriesTheClusterSettings() throws Exception {
        JsonNode fragment =
                YAML.readTree(TestCorpus.locate("conf/flink-cluster.yaml").toFile());
        int deployments = 0;
        for (Path file : manifests()) {
            for (JsonNode doc : documents(file)) {
                if (!doc.path("kind").asText().equals("FlinkDeployment")) {
                    continue;
                }
                deployments++;
                JsonNode conf = doc.path("spec").path("flinkConfiguration");
                fragment.fields().forEachRemaining(e -> {
                    String expected = e.getValue().isArray()
                            ? String.join(";", strings(e.getValue()))
                            : e.getValue().asText();
                    assertThat(conf.path(e.getKey()).asText())
                            .as("%s: %s", file.getFileName(), e.getKey())
                            .isEqualTo(expected);
                });
            }
        }
        assertThat(deployments).isEqualTo(2);
    }

    @Test
    void theDockerfilePutsTheRuntimeInLibAndTheJobJarInUsrlib() throws Exception {
        String dockerfile = Files.readString(TestCorpus.locate("deploy/Dockerfile"));
        assertThat(dockerfile)
                .contains("FROM flink:2.2-java17")
                .contains("COPY jobs/target/flink-lib/*.jar /opt/flink/lib/")
                .contains("COPY jobs/target/flink-embed-all.jar /opt/flink/usrlib/flink-embed-all.jar");
    }
}
