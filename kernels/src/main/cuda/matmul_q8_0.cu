// Matrix product with Q8_0 weights, dequantised in registers.
//
// GGUF's Q8_0 block is 34 bytes (an f16 scale, then 32 int8 quants). The host repacks each matrix at upload into
//   quants [rows, cols]: the int8 quants in element order;  scales [rows, cols / 32]: each block's f16 scale d,
// so a lane reads two aligned 16-byte vectors per block. Element value: d * quant.
// Unit of work per lane: one block (32 elements); requires cols % 32 == 0.
// Bound: rows × cols × 34 / 32 bytes per tile of 8 tokens. See matmul.cuh for the launch.
#include "matmul.cuh"

struct Q8_0Rows {
    const signed char* quants;  // [rows, cols]
    const __half* scales;       // [rows, cols / 32]

    __device__ __forceinline__ void accumulate_row(long row, int cols, const float* x, int tokens, int lane,
                                                   float* acc) const {
        const int blocks = cols / 32;
        const uint4* q = reinterpret_cast<const uint4*>(quants + row * cols);
        const __half* d = scales + row * blocks;
#pragma unroll 2
        for (int b = lane; b < blocks; b += 32) {
            const float scale = __half2float(d[b]);
#pragma unroll
            for (int half_block = 0; half_block < 2; half_block++) {
                const uint4 packed = q[2 * b + half_block];
                const unsigned int words[4] = {packed.x, packed.y, packed.z, packed.w};
                float v[16];
#pragma unroll
                for (int i = 0; i < 16; i++) {
                    v[i] = (float) (signed char) ((words[i / 4] >> (8 * (i % 4))) & 0xffu);
                }
                const int col = b * 32 + half_block * 16;
                accumulate8(acc, v, scale, x, cols, col, tokens);
                accumulate8(acc, v + 8, scale, x, cols, col + 8, tokens);
            }
        }
    }
};

extern "C" __global__ void matmul_q8_0(
        float* __restrict__ out,                 // [tokens, rows]
        const signed char* __restrict__ quants,  // [rows, cols] (repacked, see above)
        const __half* __restrict__ scales,       // [rows, cols / 32]
        const float* __restrict__ x,             // [tokens, cols]
        int rows, int cols, int tokens) {
    matmul_tile(Q8_0Rows{quants, scales}, out, x, rows, cols, tokens);
}
