// Matrix product with Q4_0 weights, dequantised in registers.
//
// GGUF's Q4_0 block is 18 bytes (an f16 scale, then 16 bytes of 32 four-bit quants), which leaves the quants
// unaligned. The host repacks each matrix at upload into two arrays so that a lane reads one aligned 16-byte
// vector per block:
//   quants [rows, cols / 2]: block b of a row at bytes 16b .. 16b + 15, byte j = element j (low nibble) and
//                            element j + 16 (high nibble), exactly GGUF's order within a block;
//   scales [rows, cols / 32]: the block's f16 scale d.
// Element value: d * (nibble - 8). Unit per lane: one block (32 elements); requires cols % 32 == 0.
// Slices of 8 columns: 0 = low nibbles of bytes 0-7, 1 = low nibbles of bytes 8-15, 2 and 3 the high nibbles.
// Bound: rows × cols × 18 / 32 bytes per token tile (4.5 bits per weight). See matmul.cuh for the launch.
#include "matmul.cuh"

struct Q4_0Rows {
    const unsigned char* quants;  // [rows, cols / 2]
    const __half* scales;         // [rows, cols / 32]
    int cols;

    struct Unit {
        uint4 packed;
        float d;
    };
    static constexpr int COLUMNS = 32;

    __device__ __forceinline__ Unit load(long row, int block) const {
        const int blocks = cols / 32;
        return Unit{reinterpret_cast<const uint4*>(quants + row * (cols / 2))[block],
                    __half2float(scales[row * blocks + block])};
    }

    __device__ __forceinline__ void decode8(const Unit& u, int slice, float* v) const {
        const unsigned int lo = (slice & 1) == 0 ? u.packed.x : u.packed.z;  // bytes 0-3 or 8-11
        const unsigned int hi = (slice & 1) == 0 ? u.packed.y : u.packed.w;  // bytes 4-7 or 12-15
        const int shift = slice < 2 ? 0 : 4;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            v[i] = (float) ((int) ((lo >> (8 * i + shift)) & 15u) - 8);
            v[4 + i] = (float) ((int) ((hi >> (8 * i + shift)) & 15u) - 8);
        }
    }

    __device__ __forceinline__ float scale(const Unit& u) const { return u.d; }
};

extern "C" __global__ void __launch_bounds__(32 * MATMUL_WARPS) matmul_q4_0(
        float* __restrict__ out,                   // [tokens, rows]
        const unsigned char* __restrict__ quants,  // [rows, cols / 2] (repacked, see above)
        const __half* __restrict__ scales,         // [rows, cols / 32]
        const float* __restrict__ x,               // [tokens, cols]
        int rows, int cols, int tokens) {
    matmul_tile<8>(Q4_0Rows{quants, scales, cols}, out, x, rows, cols, tokens);
}

extern "C" __global__ void __launch_bounds__(32 * MATMUL_WARPS) matmul_q4_0_1(
        float* __restrict__ out,                   // [1, rows]
        const unsigned char* __restrict__ quants,  // [rows, cols / 2]
        const __half* __restrict__ scales,         // [rows, cols / 32]
        const float* __restrict__ x,               // [1, cols]
        int rows, int cols, int tokens) {
    matmul_tile<1>(Q4_0Rows{quants, scales, cols}, out, x, rows, cols, tokens);
}
