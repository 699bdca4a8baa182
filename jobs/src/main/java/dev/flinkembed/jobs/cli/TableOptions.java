package dev.flinkembed.jobs.cli;

import dev.flinkembed.operators.pgvector.PgVectorOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The options of commands that query a pgvector table directly (search, evaluate): where it is, how to log in, and the
 * model queries are embedded with.
 */
final class TableOptions {

    @Option(names = "--pg-url", required = true, description = "JDBC URL of PostgreSQL with pgvector.")
    String pgUrl;

    @Option(names = "--table", required = true, description = "The vectors table.")
    String table;

    @Option(names = "--schema", defaultValue = "public", description = "Its schema (default public).")
    String schema;

    @Option(names = "--model", description = "Override the model recorded in the table.")
    String model;

    @Option(names = "--instruction", description = "Query instruction of instruction-tuned models (Qwen3-Embedding).")
    String instruction;

    @Option(names = "--password-env", defaultValue = "PGPASSWORD",
            description = "Environment variable holding the database password (default PGPASSWORD).")
    String passwordEnv;

    /** Checks the names (they end up in SQL) and connects. */
    Connection connect() throws SQLException {
        PgVectorOptions.checkIdentifier("schema", schema);
        PgVectorOptions.checkIdentifier("table", table);
        Properties props = new Properties();
        String password = System.getenv(passwordEnv);
        if (password != null) {
            props.setProperty("password", password);
        }
        return PgVectorOptions.connect(pgUrl, props);
    }

    /** The model for queries of the table: --model, else the live version's, else the rows' lineage. */
    TableModels.Resolved model(Connection c) throws SQLException {
        return TableModels.forTable(c, schema, table, model, instruction);
    }
}
