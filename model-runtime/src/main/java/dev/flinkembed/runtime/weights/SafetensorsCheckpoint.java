package dev.flinkembed.runtime.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The weights of a Hugging Face model folder: {@code model.safetensors}, or shards listed in
 * {@code model.safetensors.index.json} ({@code weight_map}: tensor name → shard file).
 */
public final class SafetensorsCheckpoint implements WeightSource {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path folder;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsCheckpoint(Path folder, Map<String, SafetensorsFile> byTensor) {
        this.folder = folder;
        this.byTensor = byTensor;
    }

    public static SafetensorsCheckpoint open(Path folder) {
        Path index = folder.resolve(INDEX_FILE);
        Path single = folder.resolve(SINGLE_FILE);
        Map<String, SafetensorsFile> byTensor = new TreeMap<>();
        if (Files.isRegularFile(index)) {
            Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
            JsonNode weightMap;
            try {
                weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
            } catch (IOException e) {
                throw new UncheckedIOException(index + ": not valid JSON: " + e.getMessage(), e);
            }
            if (!weightMap.isObject() || weightMap.isEmpty()) {
                throw new IllegalArgumentException(index + ": has no \"weight_map\" object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shardName = e.getValue().asText();
                Path shardPath = folder.resolve(shardName);
                if (!Files.isRegularFile(shardPath)) {
                    throw new IllegalArgumentException(index + ": tensor " + e.getKey() + " is in shard " + shardName
                            + ", which does not exist in " + folder);
                }
                SafetensorsFile shard = shards.computeIfAbsent(shardName, n -> SafetensorsFile.open(shardPath));
                if (!shard.contains(e.getKey())) {
                    throw new IllegalArgumentException(index + ": tensor " + e.getKey() + " is mapped to " + shardName
                            + " but that shard does not contain it");
                }
                byTensor.put(e.getKey(), shard);
            }
        } else if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            for (String name : file.names()) {
                byTensor.put(name, file);
            }
        } else {
            throw new IllegalArgumentException(
                    folder + ": no weights found: expected " + SINGLE_FILE + " or " + INDEX_FILE + " with its shards");
        }
        return new SafetensorsCheckpoint(folder, byTensor);
    }

    @Override
    public Set<String> names() {
        return byTensor.keySet();
    }

    @Override
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    @Override
    public Tensor get(String name) {
        return fileOf(name).get(name);
    }

    @Override
    public Tensor stored(String name) {
        return fileOf(name).stored(name);
    }

    @Override
    public float[] row(String name, long row) {
        return fileOf(name).row(name, row);
    }

    private SafetensorsFile fileOf(String name) {
        SafetensorsFile file = byTensor.get(name);
        if (file == null) {
            throw new IllegalArgumentException(origin() + ": the checkpoint has no tensor named " + name);
        }
        return file;
    }

    public String dtype(String name) {
        SafetensorsFile file = byTensor.get(name);
        return file == null ? null : file.dtype(name);
    }

    @Override
    public String origin() {
        return folder.toString();
    }
}
