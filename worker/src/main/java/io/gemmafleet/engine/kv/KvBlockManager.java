package io.gemmafleet.engine.kv;

import static io.gemmafleet.backend.KvBlockTable.BLOCK_SIZE;
import static io.gemmafleet.backend.KvBlockTable.blocksFor;

import io.gemmafleet.backend.KvBlockTable;
import io.gemmafleet.model.Gemma3Config;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The engine's paged key/value cache bookkeeping: which blocks each sequence's positions live in, on the global
 * and on the sliding-window layers, and which finished prompt blocks can be shared with a new request.
 *
 * <p>Gemma 3 keeps two kinds of cache. Global layers attend to every earlier position, so a sequence holds a global
 * block for each 16 positions. Sliding layers attend only to the last {@code window} positions, so once a block has
 * slid out of the window of the sequence's next token it goes back to the pool: a sliding layer holds at most
 * {@code window} positions (plus the prefill chunk in flight) however long the context grows.
 *
 * <p>With prefix caching on, every full block a sequence computes is registered by its exact token prefix. A new
 * sequence whose prompt starts with registered blocks shares them (reference counted) and starts its prefill after
 * them; at least the last prompt token is always computed, since its logits are needed. Unused registered blocks
 * stay cached until the pool needs them back, least recently used first.
 *
 * <p>Not thread-safe: the engine thread owns it. The executor only ever sees {@link KvBlockTable}s.
 */
public final class KvBlockManager {

    private final Gemma3Config config;
    private final int window;
    private final boolean sliding;
    private final boolean prefixCaching;
    private final BlockPool globalPool;
    private final BlockPool localPool;
    private final PrefixCache prefixes = new PrefixCache();
    private final Map<Long, SequenceBlocks> sequences = new HashMap<>();
    private long queriedTokens;
    private long hitTokens;

    /** One sequence's block lists and how far its blocks are registered as prefixes. */
    private static final class SequenceBlocks {
        int[] global = new int[8];
        int globalCount;
        int[] local = new int[8];
        int localCount;
        long lastSerial = PrefixCache.ROOT;
        int registered;

        void addGlobal(int block) {
            if (globalCount == global.length) {
                global = Arrays.copyOf(global, 2 * globalCount);
            }
            global[globalCount++] = block;
        }

        void addLocal(int block) {
            if (localCount == local.length) {
                local = Arrays.copyOf(local, 2 * localCount);
            }
            local[localCount++] = block;
        }
    }

    /**
     * @param globalBlocks blocks in the global layers' pool
     * @param localBlocks blocks in the sliding layers' pool (ignored when the model has none)
     * @param prefixCaching whether full blocks are shared between requests with a common prefix
     */
    public KvBlockManager(Gemma3Config config, int globalBlocks, int localBlocks, boolean prefixCaching) {
        this.config = config;
        this.window = config.slidingWindow();
        this.sliding = hasSlidingLayers(config);
        this.prefixCaching = prefixCaching;
        this.globalPool = new BlockPool(globalBlocks, this::reclaimedGlobal);
        this.localPool = new BlockPool(sliding ? localBlocks : 0, prefixes::forgetLocal);
    }

    static boolean hasSlidingLayers(Gemma3Config config) {
        for (int layer = 0; layer < config.layerCount(); layer++) {
            if (!config.isGlobal(layer)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sliding-layer blocks one sequence needs at most while it feeds {@code chunk} tokens per step: the window
     * behind its first new token, the chunk itself, and one block for misalignment on each side.
     */
    public static int localBlocksPerSequence(Gemma3Config config, int chunk) {
        return blocksFor(Math.min(config.slidingWindow() - 1 + chunk, config.contextLength())) + 1;
    }

    private void reclaimedGlobal(int block) {
        int local = prefixes.forgetGlobal(block);
        if (local >= 0) {
            localPool.uncache(local);
        }
    }

    /**
     * Starts a sequence. With prefix caching, shares the longest run of registered blocks its {@code prompt}
     * starts with (leaving at least the last token to compute) and counts the prompt toward the hit rate.
     *
     * @return positions already in the cache, a multiple of {@link KvBlockTable#BLOCK_SIZE}; the sequence's first
     *     step starts there
     */
    public int open(long sequenceId, int[] prompt) {
        if (sequences.containsKey(sequenceId)) {
            throw new IllegalStateException("sequence " + sequenceId + " is already open");
        }
        SequenceBlocks s = new SequenceBlocks();
        sequences.put(sequenceId, s);
        if (!prefixCaching) {
            return 0;
        }
        queriedTokens += prompt.length;
        int matchable = (prompt.length - 1) / BLOCK_SIZE;
        PrefixCache.Entry[] chain = new PrefixCache.Entry[matchable];
        int found = 0;
        long parent = PrefixCache.ROOT;
        while (found < matchable) {
            PrefixCache.Entry e = prefixes.find(parent, Arrays.copyOfRange(prompt, found * BLOCK_SIZE,
                    (found + 1) * BLOCK_SIZE));
            if (e == null) {
                break;
            }
            chain[found++] = e;
            parent = e.serial;
        }
        // Sliding layers also need the blocks inside the window of the first token computed.
        int usable = found;
        while (usable > 0 && !slidingBlocksCached(chain, usable)) {
            usable--;
        }
        for (int b = 0; b < usable; b++) {
            globalPool.retain(chain[b].globalBlock);
            s.addGlobal(chain[b].globalBlock);
        }
        if (sliding && usable > 0) {
            int first = firstLocalBlockNeeded(usable * BLOCK_SIZE);
            for (int b = 0; b < usable; b++) {
                int block = b >= first ? chain[b].localBlock : -1;
                if (block >= 0) {
                    localPool.retain(block);
                }
                s.addLocal(block);
            }
        }
        if (usable > 0) {
            s.registered = usable;
            s.lastSerial = chain[usable - 1].serial;
        }
        hitTokens += (long) usable * BLOCK_SIZE;
        return usable * BLOCK_SIZE;
    }

    private boolean slidingBlocksCached(PrefixCache.Entry[] chain, int blocks) {
        if (!sliding) {
            return true;
        }
        for (int b = firstLocalBlockNeeded(blocks * BLOCK_SIZE); b < blocks; b++) {
            if (chain[b].localBlock < 0) {
                return false;
            }
        }
        return true;
    }

    /** The first sliding-layer block a token at {@code position} attends to. */
    private int firstLocalBlockNeeded(int position) {
        return Math.max(0, position - window + 1) / BLOCK_SIZE;
    }

    /**
     * Makes room for positions {@code start .. start+count-1} of an open sequence: all earlier blocks on the global
     * layers, and on the sliding layers the blocks from the window of position {@code start} on.
     *
     * @return false, changing nothing, when the pools lack the blocks (the engine then preempts someone)
     */
    public boolean reserve(long sequenceId, int start, int count) {
        SequenceBlocks s = require(sequenceId);
        int end = blocksFor(start + count);
        int globalNeeded = Math.max(0, end - s.globalCount);
        int localNeeded = 0;
        int firstLocal = firstLocalBlockNeeded(start);
        if (sliding) {
            for (int b = firstLocal; b < end; b++) {
                if (b >= s.localCount) {
                    localNeeded++;
                } else if (s.local[b] < 0) {
                    throw new IllegalStateException("sequence " + sequenceId + " steps back to position " + start
                            + ", whose sliding-window blocks were already freed");
                }
            }
        }
        if (globalNeeded > globalPool.available() || localNeeded > localPool.available()) {
            return false;
        }
        while (s.globalCount < end) {
            s.addGlobal(globalPool.allocate());
        }
        if (sliding) {
            while (s.localCount < end) {
                s.addLocal(s.localCount >= firstLocal ? localPool.allocate() : -1);
            }
        }
        return true;
    }

    /** Where the sequence's positions live now. */
    public KvBlockTable table(long sequenceId) {
        SequenceBlocks s = require(sequenceId);
        return new KvBlockTable(Arrays.copyOf(s.global, s.globalCount), Arrays.copyOf(s.local, s.localCount));
    }

    /**
     * Records that a step has written the sequence up to {@code length} positions, whose ids are the first
     * {@code length} of {@code tokens}: newly full blocks become shareable prefixes, and sliding-layer blocks
     * outside the window of the next position return to the pool.
     */
    public void commit(long sequenceId, int[] tokens, int length) {
        SequenceBlocks s = require(sequenceId);
        if (prefixCaching) {
            while (s.registered < length / BLOCK_SIZE) {
                int b = s.registered;
                int local = sliding && b < s.localCount ? s.local[b] : -1;
                PrefixCache.Entry e = prefixes.register(s.lastSerial,
                        Arrays.copyOfRange(tokens, b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE), s.global[b], local);
                s.lastSerial = e.serial;
                s.registered++;
            }
        }
        if (sliding) {
            int firstNeeded = Math.min(firstLocalBlockNeeded(length), s.localCount);
            for (int b = 0; b < firstNeeded; b++) {
                if (s.local[b] >= 0) {
                    localPool.release(s.local[b], prefixes.holdsLocal(s.local[b]));
                    s.local[b] = -1;
                }
            }
        }
    }

    /** Ends a sequence: its blocks go back to the pools, registered prefixes stay cached. Unknown ids are ignored. */
    public void release(long sequenceId) {
        SequenceBlocks s = sequences.remove(sequenceId);
        if (s == null) {
            return;
        }
        for (int b = 0; b < s.globalCount; b++) {
            globalPool.release(s.global[b], prefixes.holdsGlobal(s.global[b]));
        }
        for (int b = 0; b < s.localCount; b++) {
            if (s.local[b] >= 0) {
                localPool.release(s.local[b], prefixes.holdsLocal(s.local[b]));
            }
        }
    }

    /**
     * Whether one sequence of {@code positions} positions, fed {@code chunk} tokens per step, fits the pools when
     * it has them to itself. A longer one could never run, however many others are preempted.
     */
    public boolean fitsAlone(int positions, int chunk) {
        int local = Math.min(blocksFor(positions), localBlocksPerSequence(config, chunk));
        return blocksFor(positions) <= globalPool.capacity() && (!sliding || local <= localPool.capacity());
    }

    private SequenceBlocks require(long sequenceId) {
        SequenceBlocks s = sequences.get(sequenceId);
        if (s == null) {
            throw new IllegalStateException("sequence " + sequenceId + " is not open");
        }
        return s;
    }

    /** Counters and gauges of the cache, for metrics and tests. */
    public record Stats(int globalCapacity, int globalInUse, int localCapacity, int localInUse, int cachedPrefixes,
                        long prefixQueriedTokens, long prefixHitTokens) {

        /** Share of prompt tokens served from the prefix cache since start; 0 before any query. */
        public double prefixHitRate() {
            return prefixQueriedTokens == 0 ? 0 : (double) prefixHitTokens / prefixQueriedTokens;
        }
    }

    public Stats stats() {
        return new Stats(globalPool.capacity(), globalPool.inUse(), localPool.capacity(), localPool.inUse(),
                prefixes.size(), queriedTokens, hitTokens);
    }

    /** References on a global block: for tests of sharing. */
    int globalReferences(int block) {
        return globalPool.references(block);
    }

}
