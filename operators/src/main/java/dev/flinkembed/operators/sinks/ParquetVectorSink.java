package dev.flinkembed.operators.sinks;

import dev.flinkembed.operators.embedding.EmbeddingOptions;
import dev.flinkembed.operators.embedding.RemoteBackend;
import dev.flinkembed.operators.files.ModelFolderCache;
import dev.flinkembed.operators.records.EmbeddedChunk;
import dev.flinkembed.runtime.InProcessEmbeddingModel;
import dev.flinkembed.runtime.api.ModelInfo;
import dev.flinkembed.runtime.loading.ModelOptions;
import dev.flinkembed.runtime.remote.RemoteOptions;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetWriterFactory;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.DateTimeBucketAssigner;

/**
 * Vectors to Parquet files under a directory (FileSink bulk format: files roll on checkpoints, at
 * {@link #PART_FILE_BYTES} and at the end of input). File metadata names the model, dimensions, pooling,
 * normalisation and fingerprint; it is read from the model the slot already holds, so the client never loads
 * weights.
 */
public final class ParquetVectorSink {

    public static final String META_PREFIX = "flink-embed.";

    /** A part file rolls once it holds this much (and on every checkpoint): files of a size readers and stores like. */
    public static final long PART_FILE_BYTES = 256L << 20;

    private ParquetVectorSink() {}

    public static FileSink<EmbeddedChunk> create(String directory, ModelOptions model) {
        return create(
                directory, new ParquetWriterFactory<>(out -> ParquetVectorWriter.create(out, fileMetadata(model))));
    }

    /** With the remote backend the file metadata names the server's model (no local weights are loaded). */
    public static FileSink<EmbeddedChunk> create(String directory, EmbeddingOptions embedding) {
        if (!embedding.isRemote()) {
            return create(directory, embedding.model());
        }
        Map<String, String> meta = remoteMetadata(embedding);
        return create(directory, new ParquetWriterFactory<>(out -> ParquetVectorWriter.create(out, meta)));
    }

    private static Map<String, String> remoteMetadata(EmbeddingOptions embedding) {
        RemoteOptions remote = embedding.remote();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_PREFIX + "model", RemoteBackend.name(remote));
        meta.put(META_PREFIX + "remote-url", remote.url());
        meta.put(
                META_PREFIX + "dimensions",
                remote.dimensions() == null
                        ? "server default"
                        : remote.dimensions().toString());
        meta.put(META_PREFIX + "model-fingerprint", RemoteBackend.fingerprint(remote, embedding.model()));
        return meta;
    }

    /**
     * The stream job's change log ({@link VectorSchema#CHANGELOG_SCHEMA}): files roll on every checkpoint and become
     * visible (renamed from hidden in-progress names) only when it completes, so readers see each change once.
     * {@code hourly}: under {@code dt=YYYY-MM-DD/hr=HH} folders of the hour (UTC) the rows were written.
     */
    public static FileSink<EmbeddedChunk> createChangelog(
            String directory, EmbeddingOptions embedding, boolean hourly) {
        Map<String, String> remoteMeta = embedding.isRemote() ? remoteMetadata(embedding) : null;
        ModelOptions model = embedding.model();
        ParquetWriterFactory<EmbeddedChunk> factory = new ParquetWriterFactory<>(
                out -> ParquetVectorWriter.createChangelog(out, remoteMeta != null ? remoteMeta : fileMetadata(model)));
        BucketAssigner<EmbeddedChunk, String> buckets = hourly
                ? new DateTimeBucketAssigner<>("'dt='yyyy-MM-dd'/hr='HH", ZoneOffset.UTC)
                : new BasePathBucketAssigner<>();
        return create(directory, factory, buckets);
    }

    private static FileSink<EmbeddedChunk> create(String directory, ParquetWriterFactory<EmbeddedChunk> factory) {
        return create(directory, factory, new BasePathBucketAssigner<>());
    }

    private static FileSink<EmbeddedChunk> create(
            String directory,
            ParquetWriterFactory<EmbeddedChunk> factory,
            BucketAssigner<EmbeddedChunk, String> buckets) {
        return FileSink.forBulkFormat(new Path(directory), factory)
                .withBucketAssigner(buckets)
                .withRollingPolicy(new SizeOrCheckpointRollingPolicy<>(PART_FILE_BYTES))
                .withOutputFileConfig(OutputFileConfig.builder()
                        .withPartPrefix("part")
                        .withPartSuffix(".parquet")
                        .build())
                .build();
    }

    /** File metadata by model set-up, once per JVM: every part file of a run names the same model. */
    private static final Map<ModelOptions, Map<String, String>> METADATA = new ConcurrentHashMap<>();

    /**
     * The model's description for a part file's footer. Learnt once per JVM (and model set-up) from the model the
     * embedding stage already holds (a shared lease, no second load), not once per part file: a TaskManager rolls a
     * part file on every checkpoint.
     */
    static Map<String, String> fileMetadata(ModelOptions options) {
        return METADATA.computeIfAbsent(options, ParquetVectorSink::describe);
    }

    private static Map<String, String> describe(ModelOptions options) {
        ModelInfo info;
        try (InProcessEmbeddingModel m = InProcessEmbeddingModel.open(ModelFolderCache.localize(options))) {
            info = m.info();
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_PREFIX + "model", info.name());
        meta.put(META_PREFIX + "architecture", info.architecture());
        meta.put(META_PREFIX + "dimensions", Integer.toString(info.dimensions()));
        meta.put(META_PREFIX + "pooling", info.pooling());
        meta.put(META_PREFIX + "normalized", Boolean.toString(info.normalized()));
        meta.put(META_PREFIX + "max-tokens", Integer.toString(info.maxTokens()));
        meta.put(META_PREFIX + "model-fingerprint", info.fingerprint());
        meta.put(META_PREFIX + "precision", info.precision());
        return Collections.unmodifiableMap(meta);
    }
}
