package io.gemmafleet.engine.kv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps full blocks of token ids, each identified by the exact tokens of its block and of every block before it,
 * to the cache blocks that hold their keys and values. Matching is exact (no hash can collide): a block's key is
 * its parent entry's serial number and its own 16 tokens.
 *
 * <p>An entry names a global-layer block and, while it lasts, the sliding-layer block of the same positions; the
 * sliding one is usually reclaimed first, since it leaves its owner's window early.
 */
final class PrefixCache {

    /** The cached blocks of one prompt block; {@code localBlock} is -1 once reclaimed (or for no sliding layers). */
    static final class Entry {
        final long serial;
        final int globalBlock;
        int localBlock;

        Entry(long serial, int globalBlock, int localBlock) {
            this.serial = serial;
            this.globalBlock = globalBlock;
            this.localBlock = localBlock;
        }
    }

    private record Key(long parentSerial, Tokens tokens) {}

    /** Token ids compared by content. */
    private record Tokens(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Tokens t && Arrays.equals(ids, t.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    static final long ROOT = 0;

    private final Map<Key, Entry> entries = new HashMap<>();
    private final Map<Integer, Key> byGlobalBlock = new HashMap<>();
    private final Map<Integer, Entry> byLocalBlock = new HashMap<>();
    private long nextSerial = ROOT + 1;

    /** The entry for {@code tokens} after the block whose serial is {@code parent}, or null. */
    Entry find(long parent, int[] tokens) {
        return entries.get(new Key(parent, new Tokens(tokens)));
    }

    /**
     * Registers a freshly computed block; returns its entry, or the existing one when the same prefix was
     * registered first by another sequence (then the caller's blocks stay unregistered). Keeps {@code tokens}: the
     * caller hands over a copy it no longer changes.
     */
    Entry register(long parent, int[] tokens, int globalBlock, int localBlock) {
        Key key = new Key(parent, new Tokens(tokens));
        Entry existing = entries.get(key);
        if (existing != null) {
            return existing;
        }
        Entry entry = new Entry(nextSerial++, globalBlock, localBlock);
        entries.put(key, entry);
        byGlobalBlock.put(globalBlock, key);
        if (localBlock >= 0) {
            byLocalBlock.put(localBlock, entry);
        }
        return entry;
    }

    boolean holdsGlobal(int block) {
        return byGlobalBlock.containsKey(block);
    }

    boolean holdsLocal(int block) {
        return byLocalBlock.containsKey(block);
    }

    /**
     * Forgets the entry whose global block was reclaimed.
     *
     * @return the entry's sliding-layer block, which the caller should also release from the cache, or -1
     */
    int forgetGlobal(int block) {
        Key key = byGlobalBlock.remove(block);
        if (key == null) {
            return -1;
        }
        Entry entry = entries.remove(key);
        int local = entry.localBlock;
        if (local >= 0) {
            byLocalBlock.remove(local);
        }
        return local;
    }

    /** Forgets a reclaimed sliding-layer block; its entry keeps the global block. */
    void forgetLocal(int block) {
        Entry entry = byLocalBlock.remove(block);
        if (entry != null) {
            entry.localBlock = -1;
        }
    }

    int size() {
        return entries.size();
    }
}
