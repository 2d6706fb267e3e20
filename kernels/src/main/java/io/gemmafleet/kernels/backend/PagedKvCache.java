package io.gemmafleet.kernels.backend;

import io.gemmafleet.backend.KvCacheFullException;
import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.CudaDevice.Purpose;
import io.gemmafleet.kernels.cuda.DeviceBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUdeviceptr;

/**
 * The key/value cache on the device, in fixed-size blocks of {@code blockTokens} positions handed to sequences on
 * demand (vLLM's paged attention): a sequence holds a list of block ids (its block table), position {@code p} lives
 * in slot {@code table[p / blockTokens] * blockTokens + p % blockTokens}, and every layer uses the same block ids
 * in its own key and value arrays ({@code [blocks * blockTokens, kvDim]} f32 each).
 *
 * <p>Blocks return to the free list when a sequence is released or rolled back. Sliding-window layers still keep
 * every block here; returning blocks that fell out of the window is the engine issue's work. Not thread-safe.
 */
final class PagedKvCache implements AutoCloseable {

    /** No block is free for a sequence that needs one. */
    static final class CacheFullException extends KvCacheFullException {
        CacheFullException(String message) {
            super(message);
        }
    }

    private final CudaDevice device;
    private final int blockTokens;
    private final int kvDim;
    private final int blockCount;
    private final List<DeviceBuffer> keys = new ArrayList<>();
    private final List<DeviceBuffer> values = new ArrayList<>();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final Map<Long, Sequence> sequences = new HashMap<>();

    /** A sequence's blocks and how many positions it holds. */
    private static final class Sequence {
        final List<Integer> blocks = new ArrayList<>();
        int length;
    }

    PagedKvCache(CudaDevice device, int layers, int kvDim, int blockTokens, int blockCount) {
        this.device = device;
        this.blockTokens = blockTokens;
        this.kvDim = kvDim;
        this.blockCount = blockCount;
        long bytes = (long) blockCount * blockTokens * kvDim * Float.BYTES;
        try {
            for (int l = 0; l < layers; l++) {
                keys.add(device.allocate(bytes, Purpose.KV_CACHE, "layer " + l + " keys"));
                values.add(device.allocate(bytes, Purpose.KV_CACHE, "layer " + l + " values"));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        for (int b = 0; b < blockCount; b++) {
            free.add(b);
        }
    }

    int blockCount() {
        return blockCount;
    }

    int freeBlocks() {
        return free.size();
    }

    CUdeviceptr keys(int layer) {
        return keys.get(layer).pointer();
    }

    CUdeviceptr values(int layer) {
        return values.get(layer).pointer();
    }

    /** Positions the sequence holds (0 for an unknown one). */
    int length(long sequenceId) {
        Sequence s = sequences.get(sequenceId);
        return s == null ? 0 : s.length;
    }

    /** Blocks the sequence would need in addition to what it has to hold {@code positions} positions. */
    int blocksNeeded(long sequenceId, int positions) {
        Sequence s = sequences.get(sequenceId);
        int have = s == null ? 0 : s.blocks.size();
        return Math.max(0, ceilDiv(positions, blockTokens) - have);
    }

    /**
     * Makes the sequence hold positions {@code 0 .. start + count - 1}, keeping {@code 0 .. start - 1}: blocks past
     * {@code start} from an earlier, longer run are freed (a rollback), missing ones allocated.
     *
     * @throws CacheFullException when not enough blocks are free (the sequence then holds only {@code 0 .. start - 1})
     */
    void prepare(long sequenceId, int start, int count) {
        Sequence s = sequences.computeIfAbsent(sequenceId, id -> new Sequence());
        int keep = ceilDiv(start, blockTokens);
        while (s.blocks.size() > keep) {
            free.push(s.blocks.removeLast());
        }
        int needed = ceilDiv(start + count, blockTokens) - s.blocks.size();
        if (needed > free.size()) {
            s.length = Math.min(s.length, start);
            throw new CacheFullException("the KV cache has " + free.size() + " free blocks of " + blockTokens
                    + " positions; sequence " + sequenceId + " needs " + needed + " more");
        }
        for (int i = 0; i < needed; i++) {
            s.blocks.add(free.pop());
        }
        s.length = start + count;
    }

    /** The cache slot of a position the sequence holds. */
    int slot(long sequenceId, int position) {
        Sequence s = sequences.get(sequenceId);
        return s.blocks.get(position / blockTokens) * blockTokens + position % blockTokens;
    }

    /** Blocks the sequence holds. */
    int blockCount(long sequenceId) {
        Sequence s = sequences.get(sequenceId);
        return s == null ? 0 : s.blocks.size();
    }

    /** Writes the sequence's block ids into {@code table[offset ..]}, padding up to {@code width} with 0. */
    void writeBlockTable(long sequenceId, int[] table, int offset, int width) {
        Sequence s = sequences.get(sequenceId);
        for (int i = 0; i < width; i++) {
            table[offset + i] = i < s.blocks.size() ? s.blocks.get(i) : 0;
        }
    }

    /** Frees the sequence's blocks. Unknown ids are ignored. */
    void release(long sequenceId) {
        Sequence s = sequences.remove(sequenceId);
        if (s != null) {
            for (int b : s.blocks) {
                free.push(b);
            }
        }
    }

    @Override
    public void close() {
        for (DeviceBuffer b : keys) {
            device.free(b, Purpose.KV_CACHE);
        }
        for (DeviceBuffer b : values) {
            device.free(b, Purpose.KV_CACHE);
        }
        keys.clear();
        values.clear();
        sequences.clear();
        free.clear();
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
