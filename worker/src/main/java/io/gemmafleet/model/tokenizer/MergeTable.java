package io.gemmafleet.model.tokenizer;

/**
 * HF BPE's merge list as a hash table from a pair of ids to (rank, merged id). Open addressing over primitive
 * arrays: half a million merges would otherwise mean half a million boxed keys and a slow load.
 */
final class MergeTable implements PairMerges {

    private static final long EMPTY = Long.MIN_VALUE; // no valid key: ids are non-negative

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private final int shift;
    private int size;

    MergeTable(int expectedMerges) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedMerges * 2 - 1)) << 1; // load factor ≤ 0.5
        keys = new long[capacity];
        values = new long[capacity];
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        java.util.Arrays.fill(keys, EMPTY);
    }

    /** Records that ids (left, right) merge into {@code mergedId} with {@code rank}; a later duplicate replaces it. */
    void put(int left, int right, int rank, int mergedId) {
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) {
                values[slot] = PairMerges.pack(rank, mergedId); // HF collects merges into a map: the last one wins
                return;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = PairMerges.pack(rank, mergedId);
        size++;
    }

    int size() {
        return size;
    }

    @Override
    public long lookup(int leftId, int rightId, String text, int start, int end) {
        if (leftId < 0 || rightId < 0) {
            return NO_MERGE;
        }
        long key = key(leftId, rightId);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return values[slot];
            }
            if (k == EMPTY) {
                return NO_MERGE;
            }
            slot = (slot + 1) & mask;
        }
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L; // Fibonacci hashing spreads the structured id pairs
        return (int) (h >>> shift);
    }
}
