package dev.flinkembed.operators.sources;

import dev.flinkembed.operators.deadletter.DeadLetters;
import dev.flinkembed.operators.metrics.AtomicLongCounter;
import dev.flinkembed.operators.records.Document;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Documents go on, dead letters to the side output; counts both (metrics and accumulators for progress). */
public final class RouteParsedRecords extends ProcessFunction<ParsedRecord, Document> {

    public static final String DOCUMENTS_READ = "documents-read";
    public static final String RECORDS_REJECTED = "records-rejected";

    private transient Counter documents;
    private transient Counter rejected;
    private transient AtomicLongCounter documentsAcc;
    private transient AtomicLongCounter rejectedAcc;

    @Override
    public void open(OpenContext openContext) {
        documents = getRuntimeContext().getMetricGroup().counter("documentsRead");
        rejected = getRuntimeContext().getMetricGroup().counter("recordsRejected");
        documentsAcc = AtomicLongCounter.register(getRuntimeContext(), DOCUMENTS_READ);
        rejectedAcc = AtomicLongCounter.register(getRuntimeContext(), RECORDS_REJECTED);
    }

    @Override
    public void processElement(ParsedRecord record, Context ctx, Collector<Document> out) {
        if (record.document != null) {
            documents.inc();
            documentsAcc.add(1L);
            out.collect(record.document);
        } else {
            rejected.inc();
            rejectedAcc.add(1L);
            ctx.output(DeadLetters.TAG, record.deadLetter);
        }
    }
}
