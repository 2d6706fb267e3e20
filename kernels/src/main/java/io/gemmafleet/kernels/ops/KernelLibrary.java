package io.gemmafleet.kernels.ops;

import io.gemmafleet.kernels.cuda.CudaDevice;
import io.gemmafleet.kernels.cuda.DeviceBuffer;
import io.gemmafleet.kernels.cuda.Kernel;
import io.gemmafleet.kernels.cuda.PtxLoader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

/**
 * Typed launch wrappers for every kernel in {@code src/main/cuda}: one Java method per kernel, whose parameters
 * mirror the CUDA signature and whose body fixes the launch grid documented in the kernel's file.
 *
 * <p>All launches go to the device's one stream, in order; nothing here synchronises.
 */
public final class KernelLibrary {

    /** The kernel families, one PTX module each (file names in src/main/cuda without .cu). */
    public static final List<String> MODULES = List.of("embedding", "rmsnorm", "qk_norm_rope", "attention",
            "matmul_bf16", "matmul_bf16_tc", "matmul_f32", "matmul_q4_0", "matmul_q8_0", "geglu", "sampling");

    /** Positions per KV-cache block: must equal BLOCK_TOKENS in attention.cu. */
    public static final int BLOCK_TOKENS = 16;

    /** Keys per attention chunk (one block of attention_partial) before the split is widened. */
    public static final int ATTENTION_CHUNK = 64;

    /** Most chunks per query row: longer contexts get longer chunks instead of more partial results. */
    public static final int MAX_ATTENTION_CHUNKS = 64;

    private static final int MATMUL_TOKENS = 8;
    /** Weight rows per block of the matmul kernels (MATMUL_WARP_ROWS; the block's 4 warps split the columns). */
    private static final int MATMUL_ROWS = 4;
    private static final int MATMUL_BLOCK = 128;

    /**
     * From this many tokens on (long prefill chunks), bf16 products run on tensor cores ({@code matmul_bf16_tc}:
     * activations rounded to bf16, weights read once per 64 tokens). Below it the f32-activation kernel is used:
     * measured on an H200, the tensor-core kernel without split-K left narrow matrices ([1152, 6912]) on 18 blocks
     * and made batch-64 decode 3x slower than 8-token tiles.
     */
    public static final int TENSOR_CORE_MIN_TOKENS = 256;
    private static final int TENSOR_CORE_TILE = 64;

    private final CUstream stream;
    private final Map<String, Kernel> kernels = new HashMap<>();

    public KernelLibrary(CudaDevice device) {
        this.stream = device.stream();
        for (String module : MODULES) {
            CUmodule loaded = PtxLoader.load(module, device);
            for (String name : kernelNames(module)) {
                kernels.put(name, new Kernel(loaded, name));
            }
        }
        kernels.get("attention_partial").allowSharedMemory(maxAttentionSharedBytes());
    }

    private static List<String> kernelNames(String module) {
        return switch (module) {
            case "embedding" -> List.of("embed_f32", "embed_bf16", "embed_q8_0", "embed_q4_0");
            case "rmsnorm" -> List.of("rmsnorm", "add_rmsnorm");
            case "qk_norm_rope" -> List.of("qk_norm_rope_store");
            case "attention" -> List.of("attention_partial", "attention_merge");
            case "geglu" -> List.of("geglu");
            case "sampling" -> List.of("argmax_rows", "sample_rows");
            case "matmul_bf16_tc" -> List.of(module);
            default -> List.of(module, module + "_1");  // matmul families: 8-token tiles, and one token
        };
    }

    private Kernel kernel(String name) {
        return kernels.get(name);
    }

    /** out[t, :] = table[tokens[t], :] * scale. */
    public void embed(CUdeviceptr out, DeviceMatrix table, CUdeviceptr tokens, int count, float scale) {
        int hidden = table.cols();
        switch (table.format()) {
            case BF16 -> kernel("embed_bf16").launch(stream, count, 1, 1, 256, 0, out, table.values(), tokens, hidden, scale);
            case F32 -> kernel("embed_f32").launch(stream, count, 1, 1, 256, 0, out, table.values(), tokens, hidden, scale);
            case Q8_0 -> kernel("embed_q8_0").launch(stream, count, 1, 1, 256, 0, out, table.values(), table.scales(),
                    tokens, hidden, scale);
            case Q4_0 -> kernel("embed_q4_0").launch(stream, count, 1, 1, 256, 0, out, table.values(), table.scales(),
                    tokens, hidden, scale);
        }
    }

    /** out[r, :] = rmsnorm(in[rows ? rows[r] : r, :]) * w for r < count. */
    public void rmsNorm(CUdeviceptr out, CUdeviceptr in, DeviceBuffer weight, CUdeviceptr rows, int count, int n,
                        float eps) {
        kernel("rmsnorm").launch(stream, count, 1, 1, 256, 0, out, in, weight, rows, n, eps);
    }

    /** residual += rmsnorm(branch) * wBranch; normed = rmsnorm(residual) * wNext when wNext is not null. */
    public void addRmsNorm(CUdeviceptr residual, CUdeviceptr branch, DeviceBuffer wBranch, CUdeviceptr normed,
                           DeviceBuffer wNext, int tokens, int n, float eps) {
        kernel("add_rmsnorm").launch(stream, tokens, 1, 1, 256, 0, residual, branch, wBranch, normed, wNext, n, eps);
    }

    /** q/k head norms and rotary embedding on the fused q|k|v rows; keys and values stored at each token's slot. */
    public void qkNormRopeStore(CUdeviceptr qOut, CUdeviceptr qkv, DeviceBuffer qNorm, DeviceBuffer kNorm,
                                CUdeviceptr positions, CUdeviceptr slots, CUdeviceptr kCache, CUdeviceptr vCache,
                                int tokens, int heads, int kvHeads, int headDim, float eps, double ropeBase,
                                double ropeLinearScale) {
        int block = Math.max(32, (headDim / 2 + 31) / 32 * 32);
        kernel("qk_norm_rope_store").launch(stream, tokens, heads + 2 * kvHeads, 1, block, 0, qOut, qkv, qNorm, kNorm,
                positions, slots, kCache, vCache, heads, kvHeads, headDim, eps, ropeBase, ropeLinearScale);
    }

    /** How many key chunks attention needs for a query that sees at most {@code maxVisible} keys. */
    public static int attentionChunks(int maxVisible) {
        return Math.max(1, Math.min(MAX_ATTENTION_CHUNKS, ceilDiv(maxVisible, ATTENTION_CHUNK)));
    }

    /** Keys per chunk for that many chunks. */
    public static int attentionChunkLength(int maxVisible, int chunks) {
        return Math.max(1, ceilDiv(maxVisible, chunks));
    }

    /** The partial-results scratch attention needs, in floats. */
    public static long attentionScratchFloats(int tokens, int heads, int headDim, int chunks) {
        return (long) tokens * heads * chunks * (headDim + 2);
    }

    private static int maxAttentionSharedBytes() {
        return 96 * 1024;
    }

    /**
     * Attention of every (token, head) over its sequence's cached keys: flash-decoding split into {@code chunks}
     * then merged. {@code window} 0 means global.
     */
    public void attention(CUdeviceptr out, CUdeviceptr scratch, CUdeviceptr q, CUdeviceptr kCache, CUdeviceptr vCache,
                          CUdeviceptr positions, CUdeviceptr tokenSeq, CUdeviceptr blockTables, int maxBlocks,
                          int tokens, int heads, int kvHeads, int headDim, float scale, int window, int chunks,
                          int chunkLength) {
        int shared = (headDim + 2 * chunkLength) * Float.BYTES;
        if (shared > maxAttentionSharedBytes()) {
            throw new IllegalArgumentException("attention chunk of " + chunkLength + " keys exceeds shared memory");
        }
        kernel("attention_partial").launch(stream, tokens, heads, chunks, 256, shared, scratch, q, kCache, vCache,
                positions, tokenSeq, blockTables, maxBlocks, heads, kvHeads, headDim, scale, window, chunkLength);
        kernel("attention_merge").launch(stream, tokens, heads, 1, 128, 0, out, scratch, heads, headDim, chunks);
    }

    /** out[t, :] = gelu_tanh(gateUp[t, :ffn]) * gateUp[t, ffn:]. */
    public void geglu(CUdeviceptr out, CUdeviceptr gateUp, int tokens, int ffn) {
        long total = (long) tokens * ffn;
        kernel("geglu").launch(stream, (int) ceilDiv(total, 256), 1, 1, 256, 0, out, gateUp, ffn, total);
    }

    /** out[t, r] = sum_c W[r, c] x[t, c]: the matmul kernel of the matrix's format. */
    public void matmul(CUdeviceptr out, DeviceMatrix w, CUdeviceptr x, int tokens) {
        if (usesTensorCores(w, tokens)) {
            kernel("matmul_bf16_tc").launch(stream, ceilDiv(w.rows(), TENSOR_CORE_TILE),
                    ceilDiv(tokens, TENSOR_CORE_TILE), 1, 128, 0, out, w.values(), x, w.rows(), w.cols(), tokens);
            return;
        }
        int gridX = ceilDiv(w.rows(), MATMUL_ROWS);
        int gridY = ceilDiv(tokens, MATMUL_TOKENS);
        String suffix = tokens == 1 ? "_1" : "";
        switch (w.format()) {
            case BF16 -> kernel("matmul_bf16" + suffix).launch(stream, gridX, gridY, 1, MATMUL_BLOCK, 0, out, w.values(),
                    x, w.rows(), w.cols(), tokens);
            case F32 -> kernel("matmul_f32" + suffix).launch(stream, gridX, gridY, 1, MATMUL_BLOCK, 0, out, w.values(),
                    x, w.rows(), w.cols(), tokens);
            case Q4_0 -> kernel("matmul_q4_0" + suffix).launch(stream, gridX, gridY, 1, MATMUL_BLOCK, 0, out,
                    w.values(), w.scales(), x, w.rows(), w.cols(), tokens);
            case Q8_0 -> kernel("matmul_q8_0" + suffix).launch(stream, gridX, gridY, 1, MATMUL_BLOCK, 0, out,
                    w.values(), w.scales(), x, w.rows(), w.cols(), tokens);
        }
    }

    /** Whether {@link #matmul} takes the tensor-core kernel for this matrix and token count. */
    public static boolean usesTensorCores(DeviceMatrix w, int tokens) {
        return w.format() == WeightFormat.BF16 && tokens >= TENSOR_CORE_MIN_TOKENS && w.cols() % 32 == 0;
    }

    /** out[r] = argmax of logits[r, :] (lowest index among equals). */
    public void argmax(CUdeviceptr out, CUdeviceptr logits, int rows, int vocab) {
        kernel("argmax_rows").launch(stream, rows, 1, 1, 1024, 0, out, logits, vocab);
    }

    /**
     * out[r] = the token {@code sample_rows} chooses for row r; -1 where the row needs more candidates than the
     * kernel holds (the caller samples that row on the host). {@code params} holds, per row and in this order,
     * temperature (float bits), top_k, top_p (float bits), min_p (float bits), uniform (float bits): 5 × rows ints.
     */
    public void sample(CUdeviceptr out, CUdeviceptr logits, CUdeviceptr params, int rows, int vocab) {
        kernel("sample_rows").launch(stream, rows, 1, 1, 1024, 0, out, logits, params,
                params.withByteOffset(4L * rows), params.withByteOffset(8L * rows), params.withByteOffset(12L * rows),
                params.withByteOffset(16L * rows), vocab);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
