package io.gemmafleet.backend.cpu;

import java.util.Arrays;

/**
 * One sequence's keys and values for every layer, in float32, laid out {@code [position][kvHead][headDim]}.
 *
 * <p>This simple cache keeps every position on every layer and grows by doubling up to the context limit. (The
 * paged, sliding-window-aware cache that lets local layers keep only their window belongs to the engine.)
 */
final class SequenceCache {

    private final int kvDim;
    private final int maxContext;
    private final float[][] keys;
    private final float[][] values;
    private int capacity;
    private int length;

    SequenceCache(int layers, int kvDim, int maxContext) {
        this.kvDim = kvDim;
        this.maxContext = maxContext;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.capacity = 0;
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[0];
            values[l] = new float[0];
        }
    }

    /** Number of positions held. */
    int length() {
        return length;
    }

    /**
     * Prepares to write positions {@code start .. start+count-1}: positions from {@code start} on are dropped
     * (rolling back), and room is made for the new ones.
     */
    void prepare(int start, int count) {
        check(length, start, count, maxContext);
        int needed = start + count;
        if (needed > capacity) {
            int grown = Math.min(maxContext, Math.max(needed, Math.max(64, capacity * 2)));
            for (int l = 0; l < keys.length; l++) {
                keys[l] = Arrays.copyOf(keys[l], grown * kvDim);
                values[l] = Arrays.copyOf(values[l], grown * kvDim);
            }
            capacity = grown;
        }
        length = needed;
    }

    /**
     * Throws unless a cache holding {@code length} positions may take {@code count} positions from {@code start}
     * under the context limit.
     */
    static void check(int length, int start, int count, int maxContext) {
        if (start > length) {
            throw new IllegalArgumentException(
                    "step starts at position " + start + " but the cache holds only " + length + " positions");
        }
        int needed = start + count;
        if (needed > maxContext) {
            throw new IllegalArgumentException(
                    "sequence would reach " + needed + " positions; the context limit is " + maxContext);
        }
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /** Offset of a position's first element in {@link #keys}/{@link #values}. */
    int offset(int position) {
        return position * kvDim;
    }
}
