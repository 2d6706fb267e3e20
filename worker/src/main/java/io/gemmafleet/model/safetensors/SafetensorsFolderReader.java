package io.gemmafleet.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.tensor.TensorData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads all tensors of a Hugging Face model folder: either the shards listed in {@code model.safetensors.index.json}
 * ({@code weight_map}: tensor name → shard file) or a single {@code model.safetensors}. A shard named in the index but
 * missing, or a tensor listed but absent from its shard, is a one-line {@link ModelLoadException}.
 */
public final class SafetensorsFolderReader {

    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsFolderReader() {}

    /** Whether {@code dir} has safetensors weights in one of the two layouts. */
    public static boolean hasWeights(Path dir) {
        return Files.isRegularFile(dir.resolve(INDEX_FILE)) || Files.isRegularFile(dir.resolve(SINGLE_FILE));
    }

    /** All tensors under their file names, in file order; data lives as long as {@code arena}. */
    public static Map<String, TensorData> read(Path dir, Arena arena) {
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return readSharded(index, arena);
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return SafetensorsReader.read(single, arena).tensors();
        }
        throw new ModelLoadException(dir, "no " + SINGLE_FILE + " or " + INDEX_FILE + " in folder");
    }

    private static Map<String, TensorData> readSharded(Path index, Arena arena) {
        JsonNode weightMap;
        try {
            JsonNode root = JSON.readTree(index.toFile());
            weightMap = root == null ? null : root.get("weight_map");
        } catch (IOException e) {
            throw new ModelLoadException(index, "malformed index JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (weightMap == null || !weightMap.isObject()) {
            throw new ModelLoadException(index, "index has no weight_map object");
        }
        Map<String, SafetensorsFile> shards = new HashMap<>();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String shardName = e.getValue().asText();
            Path shardPath = index.resolveSibling(shardName);
            if (shardName.contains("/") || shardName.contains("\\") || shardName.isEmpty()) {
                throw new ModelLoadException(index, "weight_map names an invalid shard file '" + shardName + "'");
            }
            SafetensorsFile shard = shards.computeIfAbsent(shardName, n -> {
                if (!Files.isRegularFile(shardPath)) {
                    throw new ModelLoadException(index, "missing shard " + n + " (listed in weight_map)");
                }
                return SafetensorsReader.read(shardPath, arena);
            });
            TensorData t = shard.tensors().get(e.getKey());
            if (t == null) {
                throw new ModelLoadException(shardPath, "tensor " + e.getKey() + " listed in " + INDEX_FILE
                        + " is absent from this shard");
            }
            tensors.put(e.getKey(), t);
        }
        return tensors;
    }
}
