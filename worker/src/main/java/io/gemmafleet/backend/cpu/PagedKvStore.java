package io.gemmafleet.backend.cpu;

import io.gemmafleet.backend.KvBlockTable;
import io.gemmafleet.model.Gemma3Config;
import java.util.Arrays;

/**
 * The CPU's key/value cache storage: per layer, float32 blocks of {@link KvBlockTable#BLOCK_SIZE} positions laid
 * out {@code [slot][kvHead][headDim]}, addressed through the engine's block tables. Global layers index their
 * blocks by {@link KvBlockTable#globalBlocks()}, sliding layers by {@link KvBlockTable#localBlocks()}.
 *
 * <p>A block's arrays are allocated the first time its id is written, so memory grows with the blocks actually
 * used (the engine hands out low ids first) rather than with the pools' capacity.
 */
final class PagedKvStore {

    private final Gemma3Config config;
    private final int blockFloats;
    private final float[][][] keys;
    private final float[][][] values;

    PagedKvStore(Gemma3Config config) {
        this.config = config;
        this.blockFloats = KvBlockTable.BLOCK_SIZE * config.kvDim();
        this.keys = new float[config.layerCount()][0][];
        this.values = new float[config.layerCount()][0][];
    }

    /** The block id holding {@code position} of a layer, per the table. */
    int block(int layer, KvBlockTable table, int position) {
        int[] blocks = config.isGlobal(layer) ? table.globalBlocks() : table.localBlocks();
        int logical = position / KvBlockTable.BLOCK_SIZE;
        if (logical >= blocks.length || blocks[logical] < 0) {
            throw new IllegalArgumentException("the block table has no " + (config.isGlobal(layer) ? "global"
                    : "sliding") + " block for position " + position);
        }
        return blocks[logical];
    }

    /** Offset of a position's first element inside its block. */
    int offset(int position) {
        return (position % KvBlockTable.BLOCK_SIZE) * config.kvDim();
    }

    /** Copies one position's key and value rows (each {@code kvDim} floats) into the cache. */
    void write(int layer, KvBlockTable table, int position, float[] k, int kOffset, float[] v, int vOffset) {
        int block = block(layer, table, position);
        ensure(layer, block);
        int at = offset(position);
        System.arraycopy(k, kOffset, keys[layer][block], at, config.kvDim());
        System.arraycopy(v, vOffset, values[layer][block], at, config.kvDim());
    }

    float[] keys(int layer, int block) {
        return keys[layer][block];
    }

    float[] values(int layer, int block) {
        return values[layer][block];
    }

    /** Allocates a block's arrays on first use. */
    private void ensure(int layer, int block) {
        if (block >= keys[layer].length) {
            int grown = Math.max(block + 1, 2 * keys[layer].length);
            keys[layer] = Arrays.copyOf(keys[layer], grown);
            values[layer] = Arrays.copyOf(values[layer], grown);
        }
        if (keys[layer][block] == null) {
            keys[layer][block] = new float[blockFloats];
            values[layer][block] = new float[blockFloats];
        }
    }

    /** Drops every block (the executor is closing). */
    void clear() {
        Arrays.fill(keys, new float[0][]);
        Arrays.fill(values, new float[0][]);
    }
}
