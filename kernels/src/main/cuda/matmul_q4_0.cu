// Matrix product with Q4_0 weights, dequantised in registers.
//
// GGUF's Q4_0 block is 18 bytes (an f16 scale, then 16 bytes of 32 four-bit quants), which leaves the quants
// unaligned. The host repacks each matrix at upload into two arrays so that a lane reads one aligned 16-byte
// vector per block:
//   quants [rows, cols / 2]: block b of a row at bytes 16b .. 16b + 15, byte j = element j (low nibble) and
//                            element j + 16 (high nibble), exactly GGUF's order within a block;
//   scales [rows, cols / 32]: the block's f16 scale d.
// Element value: d * (nibble - 8). Unit of work per lane: one block (32 elements); requires cols % 32 == 0.
// Bound: rows × cols × 18 / 32 bytes per tile of 8 tokens (4.5 bits per weight). See matmul.cuh for the launch.
#include "matmul.cuh"

struct Q4_0Rows {
    const unsigned char* quants;  // [rows, cols / 2]
    const __half* scales;         // [rows, cols / 32]

    __device__ __forceinline__ void accumulate_row(long row, int cols, const float* x, int tokens, int lane,
                                                   float* acc) const {
        const int blocks = cols / 32;
        const uint4* q = reinterpret_cast<const uint4*>(quants + row * (cols / 2));
        const __half* d = scales + row * blocks;
#pragma unroll 2
        for (int b = lane; b < blocks; b += 32) {
            const uint4 packed = q[b];
            const float scale = __half2float(d[b]);
            const unsigned int words[4] = {packed.x, packed.y, packed.z, packed.w};
            float low[16];
            float high[16];
#pragma unroll
            for (int i = 0; i < 16; i++) {
                const unsigned int byte = (words[i / 4] >> (8 * (i % 4))) & 0xffu;
                low[i] = (float) ((int) (byte & 15u) - 8);
                high[i] = (float) ((int) (byte >> 4) - 8);
            }
            const int col = b * 32;
            accumulate8(acc, low, scale, x, cols, col, tokens);
            accumulate8(acc, low + 8, scale, x, cols, col + 8, tokens);
            accumulate8(acc, high, scale, x, cols, col + 16, tokens);
            accumulate8(acc, high + 8, scale, x, cols, col + 24, tokens);
        }
    }
};

extern "C" __global__ void matmul_q4_0(
        float* __restrict__ out,                   // [tokens, rows]
        const unsigned char* __restrict__ quants,  // [rows, cols / 2] (repacked, see above)
        const __half* __restrict__ scales,         // [rows, cols / 32]
        const float* __restrict__ x,               // [tokens, cols]
        int rows, int cols, int tokens) {
    matmul_tile(Q4_0Rows{quants, scales}, out, x, rows, cols, tokens);
}
