package dev.flinkembed.jobs.sql;

import dev.flinkembed.operators.embedding.CheckedEmbeddings;
import dev.flinkembed.operators.embedding.EmbeddingBackend;
import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.metrics.EmbeddingMetrics;
import dev.flinkembed.runtime.api.EmbeddingInput;
import dev.flinkembed.runtime.api.Role;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subtask's ML_PREDICT: the slot's {@link EmbeddingBackend} (the in-process model shared by the TaskManager, or a
 * remote server) opened in {@link #open} and released in {@link #close}; every row's text goes to its batching
 * queue and the row's future completes when its batch has run. A NULL text gets a NULL vector, as SQL functions do. A
 * text without a vector — refused by the server, or a vector that may not be stored — gets the reason in the error
 * column when the model has one, and fails the job without restarts otherwise (a restart would meet the same row). Public: Flink's generated code calls it.
 */
public final class EmbeddingPredictFunction extends AsyncPredictFunction {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingPredictFunction.class);

    private final EmbeddingOptions options;
    private final Role role;
    private final boolean errorColumn;
    private final String what;
    private transient EmbeddingBackend backend;
    private transient CheckedEmbeddings embeddings;

    EmbeddingPredictFunction(EmbeddingOptions options, Role role, boolean errorColumn, String what) {
        this.options = options;
        this.role = role;
        this.errorColumn = errorColumn;
        this.what = what;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        super.open(context);
        var operator = FunctionContexts.operatorContext(context);
        if (operator == null) {
            LOG.warn(
                    "{}: the TaskManager's settings are out of reach from this Flink version's FunctionContext; the "
                            + "model opens without the off-heap budget check and as if the TaskManager had one slot",
                    what);
        }
        String thread = "embed-sql-" + context.getTaskInfo().getTaskNameWithSubtasks();
        EmbeddingMetrics metrics = new EmbeddingMetrics(context.getMetricGroup());
        backend = EmbeddingBackend.open(options, operator, metrics::onBatch, thread);
        embeddings = new CheckedEmbeddings(backend);
        LOG.info(
                "{}: {} ({}) embedding {}s, up to {} rows in flight per subtask",
                what,
                backend.modelName(),
                backend.fingerprint(),
                role.name().toLowerCase(java.util.Locale.ROOT),
                options.capacity());
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        if (input.isNullAt(0)) { // NULL in, NULL out (and a deletion row of the chunk function costs no model work)
            return CompletableFuture.completedFuture(row(null, null));
        }
        String text = input.getString(0).toString();
        EmbeddingInput in = role == Role.QUERY ? EmbeddingInput.query(text) : EmbeddingInput.document(text);
        return embeddings
                .embed(in)
                .thenCompose(outcome -> outcome.refused()
                        ? refused(outcome.kind() + ": " + outcome.refusal())
                        : CompletableFuture.completedFuture(
                                row(new GenericArrayData(outcome.embedding().vector()), null)));
    }

    private CompletableFuture<Collection<RowData>> refused(String reason) {
        if (errorColumn) {
            return CompletableFuture.completedFuture(row(null, StringData.fromString(reason)));
        }
        return CompletableFuture.failedFuture(new SuppressRestartsException(new IllegalArgumentException(what
                + ": a row has no vector (" + reason + "). Add an error column to the model's OUTPUT, e.g. OUTPUT "
                + "(embedding ARRAY<FLOAT>, error STRING), to keep such rows with their reason instead of failing")));
    }

    private Collection<RowData> row(GenericArrayData vector, StringData error) {
        return List.of(errorColumn ? GenericRowData.of(vector, error) : GenericRowData.of(vector));
    }

    @Override
    public void close() throws Exception {
        if (backend != null) {
            backend.close();
        }
        super.close();
    }
}
