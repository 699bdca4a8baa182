package dev.flinkembed.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.jobs.config.JobOptions;
import dev.flinkembed.jobs.config.Settings;
import dev.flinkembed.operators.pgvector.PgVectorOptions;
import dev.flinkembed.operators.pgvector.PgVectorVersions;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "versions", mixinStandardHelpOptions = true,
        description = {"List the versions of a pgvector table (one per model it was built with; `reindex` adds one when "
                + "the model changes) as JSON Lines {\"version\",\"state\",\"model\",\"fingerprint\",\"dimensions\","
                + "\"rows\",\"physical\",\"created_at\",\"switched_at\"}, oldest first. state: live (what readers see), "
                + "previous (kept for `reindex --rollback`), building (a run in progress or interrupted).",
                "A table never versioned prints one line with version 0 and its model."})
final class VersionsCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--pg-url", required = true, description = "JDBC URL of PostgreSQL with pgvector.")
    String pgUrl;

    @Option(names = "--table", required = true, description = "The table's name (what readers query).")
    String table;

    @Option(names = "--set", description = "Other pgvector.* keys, e.g. --set pgvector.schema=vectors",
            paramLabel = "KEY=VALUE")
    List<String> overrides = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PgVectorOptions pg = Settings.pgvector(dev.flinkembed.jobs.config.JobConfig.load(null, overrides)
                .with(JobOptions.PG_URL, pgUrl).with(JobOptions.PG_TABLE, table));
        try (Connection c = pg.connect()) {
            List<PgVectorVersions.Version> versions = PgVectorVersions.list(c, pg, true);
            if (versions.isEmpty()) {
                String[] model = PgVectorVersions.currentModel(c, pg).orElseThrow(() -> new IllegalArgumentException(
                        "table " + pg.schema() + "." + pg.table() + " does not exist or is empty"));
                ObjectNode n = JSON.createObjectNode().put("version", 0).put("state", "live").put("model", model[0])
                        .put("fingerprint", model[1]).put("physical", pg.table());
                System.out.println(n);
                return 0;
            }
            for (PgVectorVersions.Version v : versions) {
                System.out.println(JSON.createObjectNode().put("version", v.version()).put("state", v.state())
                        .put("model", v.model()).put("fingerprint", v.fingerprint()).put("dimensions", v.dimensions())
                        .put("rows", v.rows()).put("physical", v.physical()).put("created_at", v.createdAt())
                        .put("switched_at", v.switchedAt()));
            }
        }
        return 0;
    }
}
