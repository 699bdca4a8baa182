package dev.flinkembed.jobs.sql;

import dev.flinkembed.operators.config.ConfigException;
import java.util.List;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * What a {@code flink-embed} model reads and writes. A reranker: two text columns in (query, document), a score
 * ({@code FLOAT}) out, optionally followed by an error column. An embedding model: one text column in; a vector ({@code ARRAY<FLOAT>}) out,
 * optionally followed by a {@code STRING} column that carries why a row has no vector (the SQL form of a dead letter:
 * route {@code WHERE error IS NOT NULL} where you keep them). Without that column a refused row fails the job.
 */
record ModelSchema(boolean scoring, boolean hasErrorColumn) {

    static final String EXAMPLE =
            "e.g. INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) or OUTPUT (embedding ARRAY<FLOAT>, error STRING)";
    static final String SCORING_EXAMPLE = "e.g. INPUT (query STRING, document STRING) OUTPUT (score FLOAT) or OUTPUT "
            + "(score FLOAT, error STRING)";

    static ModelSchema check(String what, ResolvedSchema input, ResolvedSchema output) {
        List<Column> in = input.getColumns();
        if (in.size() == 2 && in.stream().allMatch(c -> isText(c.getDataType().getLogicalType()))) {
            return checkScoring(what, output.getColumns());
        }
        if (in.size() != 1 || !in.get(0).getDataType().getLogicalType().is(LogicalTypeFamily.CHARACTER_STRING)) {
            throw new ConfigException(what + ": INPUT must be one text column (STRING) for an embedding model, or two "
                    + "(query STRING, document STRING) for a reranker, not " + describe(in) + "; " + EXAMPLE);
        }
        List<Column> out = output.getColumns();
        boolean vectorFirst =
                !out.isEmpty() && isFloatArray(out.get(0).getDataType().getLogicalType());
        boolean secondIsText =
                out.size() == 2 && out.get(1).getDataType().getLogicalType().is(LogicalTypeFamily.CHARACTER_STRING);
        if (!vectorFirst || out.size() > 2 || (out.size() == 2 && !secondIsText)) {
            throw new ConfigException(what + ": OUTPUT must be a vector column (ARRAY<FLOAT>), optionally followed "
                    + "by an error column (STRING), not " + describe(out) + "; " + EXAMPLE);
        }
        return new ModelSchema(false, out.size() == 2);
    }

    /** A reranker: a score (FLOAT) and optionally an error column. */
    private static ModelSchema checkScoring(String what, List<Column> out) {
        boolean scoreFirst =
                !out.isEmpty() && out.get(0).getDataType().getLogicalType().is(LogicalTypeRoot.FLOAT);
        boolean secondIsText =
                out.size() == 2 && isText(out.get(1).getDataType().getLogicalType());
        if (!scoreFirst || out.size() > 2 || (out.size() == 2 && !secondIsText)) {
            throw new ConfigException(
                    what + ": a reranker's OUTPUT must be a score column (FLOAT), optionally followed "
                            + "by an error column (STRING), not " + describe(out) + "; " + SCORING_EXAMPLE);
        }
        return new ModelSchema(true, out.size() == 2);
    }

    private static boolean isText(LogicalType t) {
        return t.is(LogicalTypeFamily.CHARACTER_STRING);
    }

    private static boolean isFloatArray(LogicalType t) {
        return t.is(LogicalTypeRoot.ARRAY) && ((ArrayType) t).getElementType().is(LogicalTypeRoot.FLOAT);
    }

    private static String describe(List<Column> columns) {
        return "("
                + String.join(
                        ", ",
                        columns.stream()
                                .map(c -> c.getName() + " "
                                        + c.getDataType().getLogicalType().asSummaryString())
                                .toList())
                + ")";
    }
}
