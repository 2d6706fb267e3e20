package io.gemmafleet.model.gguf;

import java.util.List;

/**
 * One typed GGUF metadata value. Java representation by type: integer types → {@code Long} (UINT64 as its bit
 * pattern), FLOAT32 → {@code Float}, FLOAT64 → {@code Double}, BOOL → {@code Boolean}, STRING → {@code String};
 * ARRAY → {@code long[]}, {@code float[]}, {@code double[]}, {@code boolean[]} or {@code List<String>} according to
 * {@code elementType}. Nested arrays are not supported (llama.cpp writes none).
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public static GgufValue string(String s) {
        return new GgufValue(GgufValueType.STRING, null, s);
    }

    public static GgufValue uint32(long v) {
        return new GgufValue(GgufValueType.UINT32, null, v);
    }

    public static GgufValue int32(long v) {
        return new GgufValue(GgufValueType.INT32, null, v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, null, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, null, v);
    }

    public static GgufValue stringArray(List<String> v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, List.copyOf(v));
    }

    public static GgufValue float32Array(float[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, v.clone());
    }

    /** An array of integers of the given integer element type. */
    public static GgufValue intArray(GgufValueType elementType, long[] v) {
        if (!elementType.isInteger()) {
            throw new IllegalArgumentException(elementType + " is not an integer type");
        }
        return new GgufValue(GgufValueType.ARRAY, elementType, v.clone());
    }

    /** Number of elements of an array value. */
    public int arrayLength() {
        return switch (value) {
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case List<?> l -> l.size();
            default -> throw new IllegalStateException(type + " is not an array");
        };
    }
}
