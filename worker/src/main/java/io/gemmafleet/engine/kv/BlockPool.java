package io.gemmafleet.engine.kv;

import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.function.IntConsumer;

/**
 * A fixed number of cache blocks with reference counts. A block is free, in use (count &gt; 0), or cached: unused
 * but still holding a prefix another request may ask for. Cached blocks are reclaimed least recently used first,
 * and only when no free block is left, so the prefix cache costs no capacity.
 *
 * <p>Free blocks are handed out lowest id first, which keeps a lazily grown backing store compact.
 */
final class BlockPool {

    private final int capacity;
    private final int[] references;
    private final BitSet free;
    private final LinkedHashSet<Integer> cached = new LinkedHashSet<>();
    private final IntConsumer onEvict;

    /** @param onEvict told the id of a cached block just reclaimed, so the prefix cache forgets it */
    BlockPool(int capacity, IntConsumer onEvict) {
        if (capacity < 0) {
            throw new IllegalArgumentException("negative block count " + capacity);
        }
        this.capacity = capacity;
        this.references = new int[capacity];
        this.free = new BitSet(capacity);
        this.free.set(0, capacity);
        this.onEvict = onEvict;
    }

    int capacity() {
        return capacity;
    }

    /** Blocks that {@link #allocate} can still hand out: free ones plus reclaimable cached ones. */
    int available() {
        return free.cardinality() + cached.size();
    }

    /** Blocks holding some sequence's data right now. */
    int inUse() {
        return capacity - available();
    }

    /** A block with reference count 1; throws when none is {@linkplain #available() available}. */
    int allocate() {
        int id = free.nextSetBit(0);
        if (id < 0) {
            Iterator<Integer> oldest = cached.iterator();
            if (!oldest.hasNext()) {
                throw new IllegalStateException("no cache block available (capacity " + capacity + ")");
            }
            id = oldest.next();
            oldest.remove();
            onEvict.accept(id);
        } else {
            free.clear(id);
        }
        references[id] = 1;
        return id;
    }

    /** Adds a reference to a block in use or cached (a cached one is in use again). */
    void retain(int id) {
        if (references[id] == 0) {
            if (!cached.remove(id)) {
                throw new IllegalStateException("block " + id + " is free");
            }
        }
        references[id]++;
    }

    /**
     * Drops a reference. At zero the block becomes cached if {@code keepCached} (its contents are a registered
     * prefix), else free.
     */
    void release(int id, boolean keepCached) {
        if (references[id] <= 0) {
            throw new IllegalStateException("block " + id + " released more often than retained");
        }
        if (--references[id] == 0) {
            if (keepCached) {
                cached.add(id);
            } else {
                free.set(id);
            }
        }
    }

    /** Returns a cached block to the free list (its prefix entry is gone). No-op for a block in use. */
    void uncache(int id) {
        if (cached.remove(id)) {
            free.set(id);
        }
    }

    int references(int id) {
        return references[id];
    }
}
