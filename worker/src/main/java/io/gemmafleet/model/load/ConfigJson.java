package io.gemmafleet.model.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads the JSON files of a Hugging Face checkpoint folder ({@code config.json}, {@code preprocessor_config.json})
 * and their fields, turning every problem into a {@link ModelLoadException} that names the file and the field.
 */
public final class ConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigJson() {}

    /** The file's top-level object. */
    public static JsonNode readObject(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(file, "malformed " + file.getFileName() + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new ModelLoadException(file, "malformed " + file.getFileName() + ": not a JSON object");
        }
        return root;
    }

    /** {@code node[key]} as a positive integer, {@code fallback} when absent or null. */
    public static int positiveInt(Path file, JsonNode node, String key, int fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || v.asInt() <= 0) {
            throw new ModelLoadException(file, key + " = " + v + " is not a positive integer");
        }
        return v.asInt();
    }

    /** An empty object, for a section a file leaves out. */
    public static JsonNode emptyObject() {
        return JSON.createObjectNode();
    }
}
