package io.gemmafleet.worker.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SoftTokenCacheTest {

    @Test
    void keepsTheMostRecentlyUsedWithinItsBytes() {
        SoftTokenCache cache = new SoftTokenCache(3 * 4 * 10); // three entries of ten floats
        cache.put("a", new float[10]);
        cache.put("b", new float[10]);
        cache.put("c", new float[10]);
        assertNotNull(cache.get("a")); // a is now the most recently used
        cache.put("d", new float[10]);
        assertNull(cache.get("b"), "the least recently used goes first");
        assertNotNull(cache.get("a"));
        assertNotNull(cache.get("c"));
        assertNotNull(cache.get("d"));
        assertEquals(3, cache.size());
        assertEquals(4, cache.hits());
        assertEquals(1, cache.misses());
    }

    @Test
    void aZeroCapacityCacheKeepsNothing() {
        SoftTokenCache cache = new SoftTokenCache(0);
        cache.put("a", new float[1]);
        assertNull(cache.get("a"));
    }
}
