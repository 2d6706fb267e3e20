package io.gemmafleet.backend;

/**
 * Where one sequence's cached keys and values live in a paged cache: position {@code p} is slot
 * {@code p % BLOCK_SIZE} of block {@code globalBlocks[p / BLOCK_SIZE]} on global layers and of
 * {@code localBlocks[p / BLOCK_SIZE]} on sliding-window layers.
 *
 * <p>Global and sliding layers draw their blocks from two separate pools, because a sliding layer keeps only its
 * window: a local entry is {@code -1} once its block has slid out of the window and gone back to the pool. Blocks
 * may be shared by several sequences (a common prompt prefix); those hold positions no sharer writes again.
 *
 * @param globalBlocks block id per logical block of the global layers, covering every position held
 * @param localBlocks block id per logical block of the sliding layers, {@code -1} where freed; empty when the
 *     model has no sliding layers
 */
public record KvBlockTable(int[] globalBlocks, int[] localBlocks) {

    /** Positions per block: small enough that a sequence wastes at most 15 slots per pool. */
    public static final int BLOCK_SIZE = 16;

    /** Logical blocks needed for {@code positions} positions. */
    public static int blocksFor(int positions) {
        return (positions + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }
}
