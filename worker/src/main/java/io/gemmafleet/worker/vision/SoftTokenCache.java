package io.gemmafleet.worker.vision;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the vision tower's output for recently seen images, by content key, so an image that comes again (the
 * same pixels) is not encoded again. Bounded by bytes; the least recently used entries go first. Used by the worker's
 * encoding thread only (its counters may be read from any thread).
 */
public final class SoftTokenCache {

    private final long capacityBytes;
    private long bytes;
    private volatile long hits; // written by the encoding thread, read by metrics
    private volatile long misses;
    private final LinkedHashMap<String, float[]> entries = new LinkedHashMap<>(64, 0.75f, true);

    /** @param capacityBytes how many bytes of embeddings to keep; 0 disables the cache */
    public SoftTokenCache(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** The embeddings stored for {@code key}, or null. */
    public float[] get(String key) {
        float[] e = entries.get(key);
        if (e == null) {
            misses++;
        } else {
            hits++;
        }
        return e;
    }

    public void put(String key, float[] embeddings) {
        long size = 4L * embeddings.length;
        if (size > capacityBytes || entries.containsKey(key)) {
            return;
        }
        entries.put(key, embeddings);
        bytes += size;
        var it = entries.entrySet().iterator();
        while (bytes > capacityBytes && it.hasNext()) {
            Map.Entry<String, float[]> eldest = it.next();
            bytes -= 4L * eldest.getValue().length;
            it.remove();
        }
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    public int size() {
        return entries.size();
    }
}
