package io.gemmafleet.model.gguf;

import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.tensor.TensorData;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The contents of a GGUF file: its metadata in file order and its tensors (in file order, shapes in numpy order,
 * data slices of the mapped file). Typed getters turn a missing or mistyped key into a one-line
 * {@link ModelLoadException} naming the file and key.
 */
public record GgufFile(Path path, int version, long alignment, Map<String, GgufValue> metadata,
                       Map<String, TensorData> tensors) {

    public GgufFile {
        metadata = Collections.unmodifiableMap(metadata);
        tensors = Collections.unmodifiableMap(tensors);
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String getString(String key) {
        return (String) require(key, GgufValueType.STRING).value();
    }

    /** An integer value of any integer type. */
    public long getLong(String key) {
        GgufValue v = present(key);
        if (!v.type().isInteger()) {
            throw wrongType(key, v, "an integer");
        }
        return (Long) v.value();
    }

    /** A 32-bit-range integer value. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ModelLoadException(path, "metadata " + key + " = " + v + " is out of range");
        }
        return (int) v;
    }

    public int getInt(String key, int fallback) {
        return has(key) ? getInt(key) : fallback;
    }

    /** A numeric value of any type (float or integer) as a double. */
    public double getDouble(String key) {
        GgufValue v = present(key);
        return switch (v.value()) {
            case Float f -> f;
            case Double d -> d;
            case Long l -> l;
            default -> throw wrongType(key, v, "a number");
        };
    }

    public double getDouble(String key, double fallback) {
        return has(key) ? getDouble(key) : fallback;
    }

    public boolean getBoolean(String key, boolean fallback) {
        return has(key) ? (Boolean) require(key, GgufValueType.BOOL).value() : fallback;
    }

    @SuppressWarnings("unchecked")
    public List<String> getStringArray(String key) {
        return (List<String>) requireArray(key, GgufValueType.STRING).value();
    }

    public float[] getFloatArray(String key) {
        return ((float[]) requireArray(key, GgufValueType.FLOAT32).value()).clone();
    }

    /** An array of any integer element type as ints. */
    public int[] getIntArray(String key) {
        GgufValue v = present(key);
        if (v.type() != GgufValueType.ARRAY || !v.elementType().isInteger()) {
            throw wrongType(key, v, "an integer array");
        }
        long[] longs = (long[]) v.value();
        int[] out = new int[longs.length];
        for (int i = 0; i < longs.length; i++) {
            out[i] = (int) longs[i];
        }
        return out;
    }

    private GgufValue present(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            throw new ModelLoadException(path, "missing metadata key " + key);
        }
        return v;
    }

    private GgufValue require(String key, GgufValueType type) {
        GgufValue v = present(key);
        if (v.type() != type) {
            throw wrongType(key, v, type.name());
        }
        return v;
    }

    private GgufValue requireArray(String key, GgufValueType elementType) {
        GgufValue v = present(key);
        if (v.type() != GgufValueType.ARRAY || v.elementType() != elementType) {
            throw wrongType(key, v, "an array of " + elementType);
        }
        return v;
    }

    private ModelLoadException wrongType(String key, GgufValue v, String expected) {
        String found = v.type() == GgufValueType.ARRAY ? "an array of " + v.elementType() : v.type().name();
        return new ModelLoadException(path, "metadata " + key + " is " + found + ", expected " + expected);
    }
}
