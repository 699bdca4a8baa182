package dev.flinkembed.operators.stores.pgvector;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import org.postgresql.Driver;

/**
 * Where and how vectors are written to PostgreSQL/pgvector. {@code schema} and {@code table} are checked against a
 * strict identifier pattern here, so configuration can never inject SQL; they are also quoted in every statement.
 *
 * @param dimensions       the vectors' length: {@code vector(d)} up to 2,000 dimensions, {@code halfvec(d)} above
 * @param hnswIndex        create an HNSW cosine index with the table
 * @param batchSize        buffered chunks that trigger a write (writes also happen on every checkpoint)
 * @param flushIntervalMillis a non-empty buffer is written at least this often (0: only by size and checkpoint)
 * @param trustedOwners    roles besides the connecting one whose tables flink-embed uses ({@link TableTrust})
 * @param copy             load new rows with binary COPY where the server speaks it ({@link CopyRows})
 */
public record PgVectorOptions(
        String url,
        String user,
        String password,
        String schema,
        String table,
        int dimensions,
        boolean createTable,
        boolean hnswIndex,
        int batchSize,
        int maxRetries,
        long retryBackoffMillis,
        long flushIntervalMillis,
        List<String> trustedOwners,
        boolean copy)
        implements Serializable {

    /** PostgreSQL identifiers we accept: unquoted-style names of at most 63 bytes. */
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    /** Above this, pgvector's HNSW cannot index {@code vector}; {@code halfvec} goes to 4,000. */
    public static final int MAX_VECTOR_DIMENSIONS = 2000;

    public static final int MAX_HALFVEC_DIMENSIONS = 4000;

    public PgVectorOptions {
        trustedOwners = trustedOwners == null ? List.of() : List.copyOf(trustedOwners);
        checkIdentifier("schema", schema);
        checkIdentifier("table", table);
        if (dimensions < 1 || dimensions > 16000) {
            throw new IllegalArgumentException("pgvector dimensions must be 1..16000, got " + dimensions);
        }
        if (hnswIndex && dimensions > MAX_HALFVEC_DIMENSIONS) {
            throw new IllegalArgumentException("an HNSW index holds at most " + MAX_HALFVEC_DIMENSIONS
                    + " dimensions (halfvec), the vectors have " + dimensions + ": lower model.dimensions or set "
                    + "pgvector.index=none");
        }
    }

    public static final String DEFAULT_SCHEMA = "public";
    public static final int DEFAULT_BATCH_SIZE = 500;
    public static final int DEFAULT_MAX_RETRIES = 5;
    public static final long DEFAULT_RETRY_BACKOFF_MILLIS = 200;
    public static final long DEFAULT_FLUSH_INTERVAL_MILLIS = 1000;

    /** Options with every default (schema public, table created when missing, HNSW index); change what differs. */
    public static Builder builder(String url, String table, int dimensions) {
        return new Builder(url, table, dimensions);
    }

    public static final class Builder {
        private final String url;
        private final String table;
        private final int dimensions;
        private String user;
        private String password;
        private String schema = DEFAULT_SCHEMA;
        private boolean createTable = true;
        private boolean hnswIndex = true;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private long retryBackoffMillis = DEFAULT_RETRY_BACKOFF_MILLIS;
        private long flushIntervalMillis = DEFAULT_FLUSH_INTERVAL_MILLIS;
        private List<String> trustedOwners = List.of();
        private boolean copy = true;

        private Builder(String url, String table, int dimensions) {
            this.url = url;
            this.table = table;
            this.dimensions = dimensions;
        }

        public Builder user(String value) {
            user = value;
            return this;
        }

        public Builder password(String value) {
            password = value;
            return this;
        }

        public Builder schema(String value) {
            schema = value;
            return this;
        }

        public Builder createTable(boolean value) {
            createTable = value;
            return this;
        }

        public Builder hnswIndex(boolean value) {
            hnswIndex = value;
            return this;
        }

        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        public Builder maxRetries(int value) {
            maxRetries = value;
            return this;
        }

        public Builder retryBackoffMillis(long value) {
            retryBackoffMillis = value;
            return this;
        }

        /** 0: write only by size and on checkpoints. */
        public Builder flushIntervalMillis(long value) {
            flushIntervalMillis = value;
            return this;
        }

        /** Roles besides the connecting one whose tables flink-embed uses. */
        public Builder trustedOwners(List<String> value) {
            trustedOwners = value;
            return this;
        }

        /** false: batched upserts only, never COPY. */
        public Builder copy(boolean value) {
            copy = value;
            return this;
        }

        public PgVectorOptions build() {
            return new PgVectorOptions(
                    url,
                    user,
                    password,
                    schema,
                    table,
                    dimensions,
                    createTable,
                    hnswIndex,
                    batchSize,
                    maxRetries,
                    retryBackoffMillis,
                    flushIntervalMillis,
                    trustedOwners,
                    copy);
        }
    }

    /** The same database with another table name, vector size and index choice (a version's physical table). */
    public PgVectorOptions withTable(String otherTable, int otherDimensions, boolean withHnswIndex) {
        return new PgVectorOptions(
                url,
                user,
                password,
                schema,
                otherTable,
                otherDimensions,
                true,
                withHnswIndex,
                batchSize,
                maxRetries,
                retryBackoffMillis,
                flushIntervalMillis,
                trustedOwners,
                copy);
    }

    public static void checkIdentifier(String what, String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("pgvector " + what + " name '" + name + "' is not accepted: use "
                    + "letters, digits and underscores, starting with a letter or underscore, at most 63 characters");
        }
    }

    /** {@code vector} or {@code halfvec}: the column type family for these dimensions. */
    public String vectorType() {
        return dimensions > MAX_VECTOR_DIMENSIONS ? "halfvec" : "vector";
    }

    public String qualifiedTable() {
        return quote(schema) + "." + quote(table);
    }

    /** A quoted SQL identifier: inner double quotes doubled, so no name can end the quote early. */
    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    public Connection connect() throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        return connect(url, p);
    }

    /**
     * Connects with PostgreSQL's driver directly, not through {@link DriverManager}: in a Flink TaskManager the driver
     * comes with each job's class loader, and DriverManager registers drivers once per JVM, through the context class
     * loader of the first caller. The second job on a TaskManager then failed with "No suitable driver found"
     * (measured on a standalone cluster).
     */
    public static Connection connect(String url, Properties properties) throws SQLException {
        Properties p = new Properties();
        // The server's Detail line carries key values ("Key (doc_id)=(…) already exists"): keep it out of messages.
        p.setProperty("logServerErrorDetail", "false");
        p.putAll(properties);
        Connection c = new Driver().connect(url, p);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): " + url);
        }
        return c;
    }

    /** The URL with any password parameter masked, for messages and logs. */
    public String safeUrl() {
        return url == null ? null : url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return "PgVectorOptions{" + safeUrl() + ", " + schema + "." + table + ", " + vectorType() + "(" + dimensions
                + ")}";
    }
}
