package dev.flinkembed.operators.stores.pgvector;

import dev.flinkembed.operators.config.ConfigException;
import dev.flinkembed.operators.config.ConfigKey;
import dev.flinkembed.operators.config.ConfigReader;
import dev.flinkembed.operators.store.VectorStore;
import dev.flinkembed.operators.store.VectorStoreFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** {@code sink.type: pgvector}: its keys and how a {@link PgVectorStore} is made from them. */
public final class PgVectorStoreFactory implements VectorStoreFactory {

    public static final String TYPE = "pgvector";

    public static final ConfigKey<String> URL = ConfigKey.string(
            "pgvector.url",
            null,
            "JDBC URL of the PostgreSQL database with pgvector, e.g. jdbc:postgresql://db:5432/search (--pg-url).");
    public static final ConfigKey<String> USER =
            ConfigKey.string("pgvector.user", null, "Database user (or user= in the URL).");
    public static final ConfigKey<String> PASSWORD_ENV = ConfigKey.string(
            "pgvector.password-env",
            "PGPASSWORD",
            "Environment variable holding the database password (never put passwords in config files).");
    public static final ConfigKey<String> SCHEMA = ConfigKey.string(
            "pgvector.schema",
            PgVectorOptions.DEFAULT_SCHEMA,
            "Schema of the vectors table (letters, digits, underscores).");
    public static final ConfigKey<String> TABLE = ConfigKey.string(
            "pgvector.table",
            null,
            "Vectors table, one row per chunk keyed by (doc_id, chunk_index); created when missing (--table).");
    public static final ConfigKey<Boolean> CREATE_TABLE = ConfigKey.bool(
            "pgvector.create-table",
            "true",
            "Create the table (vector(d), or halfvec(d) above 2,000 dimensions) when it does not exist.");
    public static final ConfigKey<String> TRUSTED_OWNERS = ConfigKey.string(
            "pgvector.trusted-owners",
            null,
            "Comma-separated roles besides the connecting one whose tables (vectors, version registry, locks) "
                    + "flink-embed uses; a table owned by any other role stops the job before any data moves.");
    public static final ConfigKey<String> INDEX = ConfigKey.oneOf(
            "pgvector.index", "hnsw", "Index created with the table: an HNSW cosine index, or none.", "hnsw", "none");
    public static final ConfigKey<Integer> BATCH_SIZE = ConfigKey.positiveInt(
            "pgvector.batch-size",
            Integer.toString(PgVectorOptions.DEFAULT_BATCH_SIZE),
            "Buffered chunks per write (writes also happen on every checkpoint and every pgvector.flush-interval).");
    public static final ConfigKey<Long> FLUSH_INTERVAL = ConfigKey.duration(
            "pgvector.flush-interval",
            PgVectorOptions.DEFAULT_FLUSH_INTERVAL_MILLIS / 1000 + "s",
            "A non-empty buffer is written at least this often (0: only by size and on checkpoints).");
    public static final ConfigKey<Boolean> COPY = ConfigKey.bool(
            "pgvector.copy",
            "true",
            "Load new rows with COPY ... FROM STDIN (FORMAT binary), about 3.6x the rows/s of batched upserts; a batch "
                    + "meeting rows already there is upserted instead. false: batched upserts only (for a proxy that "
                    + "does not pass COPY through). Not used for halfvec tables, nor on PGlite.");
    public static final ConfigKey<Integer> MAX_RETRIES = ConfigKey.nonNegativeInt(
            "pgvector.max-retries",
            Integer.toString(PgVectorOptions.DEFAULT_MAX_RETRIES),
            "Retries of a write after a transient SQL error (connection lost, deadlock, server starting).");
    public static final ConfigKey<Long> RETRY_BACKOFF = ConfigKey.duration(
            "pgvector.retry-backoff",
            PgVectorOptions.DEFAULT_RETRY_BACKOFF_MILLIS + "ms",
            "First retry delay; doubles on each retry (each delay uniform in [d/2, d]), up to 30 s.");

    private static final List<ConfigKey<?>> OPTIONS = List.of(
            URL,
            USER,
            PASSWORD_ENV,
            SCHEMA,
            TABLE,
            CREATE_TABLE,
            TRUSTED_OWNERS,
            INDEX,
            BATCH_SIZE,
            FLUSH_INTERVAL,
            COPY,
            MAX_RETRIES,
            RETRY_BACKOFF);

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<ConfigKey<?>> options() {
        return OPTIONS;
    }

    /** Names and dimension limits are checked here, the database by {@link PgVectorStore#prepare()}. */
    @Override
    public VectorStore create(ConfigReader c, int dimensions) {
        String url = c.require(URL, "pass --pg-url jdbc:postgresql://HOST:PORT/DB");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw ConfigException.badValue(URL.name(), url, "a JDBC URL starting with jdbc:postgresql://");
        }
        String table = c.require(TABLE, "pass --table NAME");
        for (ConfigKey<String> key : List.of(TABLE, SCHEMA)) {
            try {
                PgVectorOptions.checkIdentifier(key == TABLE ? "table" : "schema", c.get(key));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("configuration key '" + key.name() + "': " + e.getMessage());
            }
        }
        boolean hnsw = c.get(INDEX).equals("hnsw");
        if (dimensions > 16000) {
            throw ConfigException.badValue(
                    "model.dimensions", Integer.toString(dimensions), "at most 16000 for a pgvector column");
        }
        if (hnsw && dimensions > PgVectorOptions.MAX_HALFVEC_DIMENSIONS) {
            throw new ConfigException("configuration key 'pgvector.index': an HNSW index holds at most "
                    + PgVectorOptions.MAX_HALFVEC_DIMENSIONS + " dimensions (halfvec), the vectors have " + dimensions
                    + ": lower model.dimensions or set pgvector.index=none");
        }
        String passwordEnv = c.get(PASSWORD_ENV);
        String trusted = c.get(TRUSTED_OWNERS);
        return new PgVectorStore(PgVectorOptions.builder(url, table, dimensions)
                .user(c.get(USER))
                .password(passwordEnv == null ? null : System.getenv(passwordEnv))
                .trustedOwners(
                        trusted == null
                                ? List.of()
                                : Arrays.stream(trusted.split(","))
                                        .map(String::strip)
                                        .filter(x -> !x.isEmpty())
                                        .toList())
                .schema(c.get(SCHEMA))
                .createTable(c.get(CREATE_TABLE))
                .hnswIndex(hnsw)
                .batchSize(c.get(BATCH_SIZE))
                .maxRetries(c.get(MAX_RETRIES))
                .retryBackoffMillis(c.get(RETRY_BACKOFF))
                .flushIntervalMillis(c.get(FLUSH_INTERVAL))
                .copy(c.get(COPY))
                .build());
    }

    /**
     * The reading commands never write vectors, so the length is a placeholder (1) that nothing reads: search casts
     * by the query's length, versions carry their own. Readers never create a table or an index.
     */
    @Override
    public VectorStore forReading(ConfigReader c) {
        return create(c.overriding(Map.of(INDEX, "none", CREATE_TABLE, "false")), 1);
    }
}
