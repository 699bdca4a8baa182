package dev.flinkembed.jobs.sql;

import dev.flinkembed.jobs.config.Reranker;
import dev.flinkembed.runtime.api.Score;
import dev.flinkembed.runtime.api.ScoringModel;
import dev.flinkembed.runtime.remote.RemoteException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subtask's ML_PREDICT of a reranker: rows (query, document) wait in a queue; one thread takes what has gathered
 * (up to {@link #MAX_ROWS_PER_PASS}), groups it by query and scores each group in one call — a forward pass batch
 * in-process, a request remotely — so a JOIN of queries with their candidates is scored a query at a time. A NULL
 * query or document gets a NULL score. A pair the model or the server refuses gets the reason in the error column when
 * the model has one, and fails the job without restarts otherwise. Public: Flink's generated code calls it.
 */
public final class ScorePredictFunction extends AsyncPredictFunction {

    private static final Logger LOG = LoggerFactory.getLogger(ScorePredictFunction.class);
    static final int MAX_ROWS_PER_PASS = 256;

    private record Pending(String query, String document, CompletableFuture<Collection<RowData>> future) {}

    private final Reranker reranker;
    private final boolean errorColumn;
    private final String what;
    private transient ScoringModel model;
    private transient ExecutorService scorer;
    private transient ConcurrentLinkedQueue<Pending> queue;
    private transient AtomicBoolean draining;

    ScorePredictFunction(Reranker reranker, boolean errorColumn, String what) {
        this.reranker = reranker;
        this.errorColumn = errorColumn;
        this.what = what;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        super.open(context);
        model = reranker.open();
        String thread = "rerank-sql-" + context.getTaskInfo().getTaskNameWithSubtasks();
        scorer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
        });
        queue = new ConcurrentLinkedQueue<>();
        draining = new AtomicBoolean();
        LOG.info(
                "{}: reranking with {} ({})",
                what,
                model.info().name(),
                model.info().architecture());
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        if (input.isNullAt(0) || input.isNullAt(1)) {
            return CompletableFuture.completedFuture(row(null, null));
        }
        CompletableFuture<Collection<RowData>> future = new CompletableFuture<>();
        queue.add(new Pending(input.getString(0).toString(), input.getString(1).toString(), future));
        if (draining.compareAndSet(false, true)) {
            scorer.execute(this::drain);
        }
        return future;
    }

    /** Scores what waits until nothing does; a row added meanwhile is seen by this loop or starts the next one. */
    private void drain() {
        while (true) {
            List<Pending> rows = new ArrayList<>();
            for (Pending p; rows.size() < MAX_ROWS_PER_PASS && (p = queue.poll()) != null; ) {
                rows.add(p);
            }
            if (rows.isEmpty()) {
                draining.set(false);
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            Map<String, List<Pending>> byQuery = new LinkedHashMap<>();
            rows.forEach(p ->
                    byQuery.computeIfAbsent(p.query, q -> new ArrayList<>()).add(p));
            byQuery.forEach(this::score);
        }
    }

    private void score(String query, List<Pending> rows) {
        List<Score> scores;
        try {
            scores = model.score(query, rows.stream().map(Pending::document).toList());
        } catch (RemoteException e) {
            if (e.inputRejected() && rows.size() > 1) {
                rows.forEach(p -> score(query, List.of(p))); // find the pair the server refuses
            } else {
                rows.forEach(p -> refuse(p, e.inputRejected() ? "refused-by-model: " + e.getMessage() : null, e));
            }
            return;
        } catch (RuntimeException e) {
            rows.forEach(p -> p.future.completeExceptionally(e));
            return;
        }
        for (int i = 0; i < rows.size(); i++) {
            rows.get(i).future.complete(row(scores.get(i).score(), null));
        }
    }

    private void refuse(Pending p, String reason, RuntimeException cause) {
        if (reason == null) {
            p.future.completeExceptionally(cause);
        } else if (errorColumn) {
            p.future.complete(row(null, StringData.fromString(reason)));
        } else {
            p.future.completeExceptionally(new SuppressRestartsException(new IllegalArgumentException(what
                    + ": a row has no score (" + reason + "). Add an error column to the model's OUTPUT, e.g. OUTPUT "
                    + "(score FLOAT, error STRING), to keep such rows with their reason instead of failing")));
        }
    }

    private Collection<RowData> row(Float score, StringData error) {
        return List.of(errorColumn ? GenericRowData.of(score, error) : GenericRowData.of(score));
    }

    @Override
    public void close() throws Exception {
        if (scorer != null) {
            scorer.shutdownNow();
        }
        if (model != null) {
            model.close();
        }
        super.close();
    }
}
