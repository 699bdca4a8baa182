package dev.flinkembed.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkembed.operators.store.Lineage;
import dev.flinkembed.operators.store.StoreSession;
import dev.flinkembed.operators.store.StoreVersion;
import dev.flinkembed.operators.store.VectorStore;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "versions",
        mixinStandardHelpOptions = true,
        description = {
            "List the versions of a pgvector table (one per model it was built with; `reindex` adds one when "
                    + "the model changes) as JSON Lines {\"version\",\"state\",\"model\",\"fingerprint\",\"dimensions\","
                    + "\"rows\",\"physical\",\"created_at\",\"switched_at\"}, oldest first. state: live (what readers see), "
                    + "previous (kept for `reindex --rollback`), building (a run in progress or interrupted).",
            "A table never versioned prints one line with version 0 and its model."
        })
final class VersionsCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    TableOptions target = new TableOptions();

    @Override
    public Integer call() throws Exception {
        VectorStore store = target.store();
        try (StoreSession s = store.open()) {
            List<StoreVersion> versions = s.versions(true);
            if (versions.isEmpty()) {
                Lineage model = s.currentModel()
                        .orElseThrow(() -> new IllegalArgumentException(store.name() + " does not exist or is empty"));
                ObjectNode n = JSON.createObjectNode()
                        .put("version", 0)
                        .put("state", "live")
                        .put("model", model.model())
                        .put("fingerprint", model.fingerprint())
                        .put("physical", store.physical());
                System.out.println(n);
                return 0;
            }
            for (StoreVersion v : versions) {
                System.out.println(JSON.createObjectNode()
                        .put("version", v.version())
                        .put("state", v.state())
                        .put("model", v.model())
                        .put("fingerprint", v.fingerprint())
                        .put("dimensions", v.dimensions())
                        .put("rows", v.rows())
                        .put("physical", v.physical())
                        .put("created_at", v.createdAt())
                        .put("switched_at", v.switchedAt()));
            }
        }
        return 0;
    }
}
