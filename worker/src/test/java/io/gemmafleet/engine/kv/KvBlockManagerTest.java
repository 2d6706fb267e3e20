package io.gemmafleet.engine.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.backend.KvBlockTable;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.Gemma3Config.LayerKind;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The block bookkeeping alone, on a two-layer shape (one sliding layer with a 32-position window, one global). */
class KvBlockManagerTest {

    private static final Gemma3Config SHAPE = new Gemma3Config(8, 2, 1, 1, 8, 8, 100, 4096, 32,
            List.of(LayerKind.SLIDING, LayerKind.GLOBAL), 1f, 1e6, 1e4, 1, 1e-6f, 1f, false);

    private static int[] tokens(int n, int salt) {
        return IntStream.range(0, n).map(i -> 10 + (i * 7 + salt) % 90).toArray();
    }

    @Test
    void slidingBlocksLeaveOnceOutOfTheWindowOfTheNextToken() {
        KvBlockManager kv = new KvBlockManager(SHAPE, 100, 100, false);
        int[] t = tokens(100, 0);
        assertEquals(0, kv.open(1, t));
        assertTrue(kv.reserve(1, 0, 100));
        kv.commit(1, t, 100);
        KvBlockTable table = kv.table(1);
        assertEquals(7, table.globalBlocks().length, "100 positions: 7 global blocks");
        // The next token (position 100) sees positions 69..100: blocks 4, 5, 6 stay; 0..3 are freed.
        assertArrayEquals(new int[] {-1, -1, -1, -1}, java.util.Arrays.copyOf(table.localBlocks(), 4));
        assertTrue(table.localBlocks()[4] >= 0 && table.localBlocks()[6] >= 0);
        assertEquals(3, kv.stats().localInUse());
        assertThrows(IllegalStateException.class, () -> kv.reserve(1, 10, 1), "cannot step back out of the window");
        kv.release(1);
        assertEquals(0, kv.stats().globalInUse());
        assertEquals(0, kv.stats().localInUse());
    }

    @Test
    void aFailedReservationChangesNothing() {
        KvBlockManager kv = new KvBlockManager(SHAPE, 4, 100, false);
        kv.open(1, tokens(40, 0));
        assertTrue(kv.reserve(1, 0, 40));
        KvBlockTable before = kv.table(1);
        assertFalse(kv.reserve(1, 40, 40), "needs 5 global blocks of 4");
        assertArrayEquals(before.globalBlocks(), kv.table(1).globalBlocks());
        assertArrayEquals(before.localBlocks(), kv.table(1).localBlocks());
        assertTrue(kv.fitsAlone(64, 16));
        assertFalse(kv.fitsAlone(65, 16));
    }

    @Test
    void fullPromptBlocksAreSharedAndTheLastTokenIsAlwaysComputed() {
        KvBlockManager kv = new KvBlockManager(SHAPE, 100, 100, true);
        int[] prompt = tokens(48, 1);
        kv.open(1, prompt);
        kv.reserve(1, 0, 48);
        kv.commit(1, prompt, 48);
        int[] longer = java.util.Arrays.copyOf(prompt, 60);
        System.arraycopy(tokens(12, 2), 0, longer, 48, 12);
        assertEquals(48, kv.open(2, longer), "three full blocks shared");
        assertEquals(32, kv.open(3, prompt), "the same prompt: its last token still needs computing");
        KvBlockTable first = kv.table(1);
        KvBlockTable second = kv.table(2);
        assertEquals(first.globalBlocks()[0], second.globalBlocks()[0]);
        assertEquals(3, kv.globalReferences(first.globalBlocks()[0]));
        int[] other = tokens(48, 3);
        assertEquals(0, kv.open(4, other), "a different prompt shares nothing");
        assertEquals(48 + 32, kv.stats().prefixHitTokens());
    }

    @Test
    void cachedPrefixesOutliveTheirSequenceUntilTheBlocksAreNeeded() {
        KvBlockManager kv = new KvBlockManager(SHAPE, 6, 100, true);
        int[] prompt = tokens(64, 4);
        kv.open(1, prompt);
        kv.reserve(1, 0, 64);
        kv.commit(1, prompt, 64);
        kv.release(1);
        assertEquals(0, kv.stats().globalInUse(), "cached blocks count as available");
        assertEquals(4, kv.stats().cachedPrefixes());
        // The window needs the last two blocks' sliding layers too: they were kept cached with the prefix.
        assertEquals(48, kv.open(2, prompt));
        kv.release(2);
        // A sequence needing the whole pool reclaims the cached blocks, least recently used first.
        int[] other = tokens(96, 5);
        kv.open(3, other);
        assertTrue(kv.reserve(3, 0, 96));
        kv.release(3);
        assertEquals(0, kv.open(4, prompt), "its prefix was reclaimed");
    }
}
