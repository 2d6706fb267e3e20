// Matrix product with Q8_0 weights, dequantised in registers.
//
// GGUF's Q8_0 block is 34 bytes (an f16 scale, then 32 int8 quants). The host repacks each matrix at upload into
//   quants [rows, cols]: the int8 quants in element order;  scales [rows, cols / 32]: each block's f16 scale d,
// so a lane reads two aligned 16-byte vectors per block. Element value: d * quant.
// Unit per lane: one block (32 elements); requires cols % 32 == 0. Slice s = bytes 8s .. 8s + 7.
// Bound: rows × cols × 34 / 32 bytes per token tile. See matmul.cuh for the launch.
#include "matmul.cuh"

struct Q8_0Rows {
    const signed char* quants;  // [rows, cols]
    const __half* scales;       // [rows, cols / 32]
    int cols;

    struct Unit {
        uint4 first;   // bytes 0-15
        uint4 second;  // bytes 16-31
        float d;
    };
    static constexpr int COLUMNS = 32;

    __device__ __forceinline__ Unit load(long row, int block) const {
        const uint4* q = reinterpret_cast<const uint4*>(quants + row * cols);
        return Unit{q[2 * block], q[2 * block + 1], __half2float(scales[row * (cols / 32) + block])};
    }

    __device__ __forceinline__ void decode8(const Unit& u, int slice, float* v) const {
        const uint4& half_block = slice < 2 ? u.first : u.second;
        const unsigned int a = (slice & 1) == 0 ? half_block.x : half_block.z;
        const unsigned int b = (slice & 1) == 0 ? half_block.y : half_block.w;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            v[i] = (float) (signed char) ((a >> (8 * i)) & 0xffu);
            v[4 + i] = (float) (signed char) ((b >> (8 * i)) & 0xffu);
        }
    }

    __device__ __forceinline__ float scale(const Unit& u) const { return u.d; }
};

extern "C" __global__ void __launch_bounds__(32 * MATMUL_WARPS) matmul_q8_0(
        float* __restrict__ out,                 // [tokens, rows]
        const signed char* __restrict__ quants,  // [rows, cols] (repacked, see above)
        const __half* __restrict__ scales,       // [rows, cols / 32]
        const float* __restrict__ x,             // [tokens, cols]
        int rows, int cols, int tokens) {
    matmul_tile<8>(Q8_0Rows{quants, scales, cols}, out, x, rows, cols, tokens);
}

extern "C" __global__ void __launch_bounds__(32 * MATMUL_WARPS) matmul_q8_0_1(
        float* __restrict__ out,                 // [1, rows]
        const signed char* __restrict__ quants,  // [rows, cols]
        const __half* __restrict__ scales,       // [rows, cols / 32]
        const float* __restrict__ x,             // [1, cols]
        int rows, int cols, int tokens) {
    matmul_tile<1>(Q8_0Rows{quants, scales, cols}, out, x, rows, cols, tokens);
}
