package io.gemmafleet.engine.kv;

import io.gemmafleet.backend.KvBlockTable;
import io.gemmafleet.model.Gemma3Config;

/**
 * The block counts of the two cache pools: global layers' and sliding-window layers'. Sliding layers need a fixed
 * number of blocks per running sequence (their window and the chunk in flight), so that pool is sized for every
 * sequence the engine runs at once and the rest of the memory goes to the global layers, whose need grows with
 * context.
 */
public record KvPoolSize(int globalBlocks, int localBlocks) {

    public KvPoolSize {
        if (globalBlocks < 0 || localBlocks < 0) {
            throw new IllegalArgumentException("negative block counts " + globalBlocks + ", " + localBlocks);
        }
    }

    /** Pools that hold {@code sequences} sequences of {@code context} positions each, with no preemption. */
    public static KvPoolSize forSequences(Gemma3Config config, int sequences, int context, int chunk) {
        return new KvPoolSize(sequences * KvBlockTable.blocksFor(context),
                sequences * KvBlockManager.localBlocksPerSequence(config, chunk));
    }

    /**
     * The pools that fit in {@code bytes}: sliding-layer blocks for {@code sequences} running sequences first,
     * the rest as global-layer blocks.
     *
     * @param bytesPerElement the executor's cache element size (4 for f32)
     */
    public static KvPoolSize forBudget(Gemma3Config config, long bytes, int bytesPerElement, int sequences,
                                       int chunk) {
        long globalBlockBytes = blockBytes(config, bytesPerElement, true);
        long localBlockBytes = blockBytes(config, bytesPerElement, false);
        long local = (long) sequences * KvBlockManager.localBlocksPerSequence(config, chunk);
        if (local * localBlockBytes > bytes / 2) {
            local = bytes / 2 / Math.max(1, localBlockBytes); // fewer concurrent sequences, still room for context
        }
        long global = (bytes - local * localBlockBytes) / Math.max(1, globalBlockBytes);
        return new KvPoolSize((int) Math.min(Integer.MAX_VALUE, global), (int) Math.min(Integer.MAX_VALUE, local));
    }

    /** Bytes of one block across all global (or all sliding) layers: keys and values. */
    public static long blockBytes(Gemma3Config config, int bytesPerElement, boolean global) {
        int layers = 0;
        for (int l = 0; l < config.layerCount(); l++) {
            if (config.isGlobal(l) == global) {
                layers++;
            }
        }
        return 2L * layers * KvBlockTable.BLOCK_SIZE * config.kvDim() * bytesPerElement;
    }

    /** Bytes the two pools take when full. */
    public long bytes(Gemma3Config config, int bytesPerElement) {
        return globalBlocks * blockBytes(config, bytesPerElement, true)
                + localBlocks * blockBytes(config, bytesPerElement, false);
    }
}
