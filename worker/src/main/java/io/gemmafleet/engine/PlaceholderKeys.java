package io.gemmafleet.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Numbers image contents for the prefix cache. Every soft token of an image carries the same placeholder id in the
 * prompt, so two different images would look alike to a cache keyed by token ids; the engine therefore keys an
 * image's positions with a number of its own, the same for the same content key.
 *
 * <p>Numbers are negative (no token id is) and never reused, so a cached block can only ever match the content it
 * was computed from. The table remembers the most recently used {@value #CAPACITY} contents; a forgotten one gets a
 * new number when it comes back, which costs a cache miss, never a wrong hit. The numbers run out after 2³¹ − 2
 * distinct images (eight months at a hundred new images a second); a worker is restarted long before, and the
 * table says so rather than wrap into numbers that old blocks still carry.
 */
final class PlaceholderKeys {

    static final int CAPACITY = 65_536;
    private static final int FIRST = -2;

    private final Map<String, Integer> ids = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > CAPACITY;
        }
    };
    private int next = FIRST;

    /** The number for {@code contentKey}: the same as last time while remembered. */
    int idFor(String contentKey) {
        Integer id = ids.get(contentKey);
        if (id == null) {
            if (next == Integer.MIN_VALUE) {
                throw new IllegalStateException("image numbering exhausted");
            }
            id = next--;
            ids.put(contentKey, id);
        }
        return id;
    }
}
