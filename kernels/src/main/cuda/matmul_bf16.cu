// Matrix product with bf16 weights (W [rows, cols], row-major as in the checkpoint) and f32 activations.
// Unit per lane: 8 consecutive bf16 (one 16-byte load); requires cols % 8 == 0.
// Bound: 2 × rows × cols bytes of weights per token tile. See matmul.cuh for the algorithm and launch;
// matmul_bf16 takes tiles of 8 tokens, matmul_bf16_1 one token (decode at batch 1).
#include "matmul.cuh"

struct Bf16Rows {
    const __nv_bfloat16* w;  // [rows, cols]
    int cols;

    using Unit = uint4;
    static constexpr int COLUMNS = 8;

    __device__ __forceinline__ Unit load(long row, int unit) const {
        return reinterpret_cast<const uint4*>(w + row * cols)[unit];
    }

    __device__ __forceinline__ void decode8(const Unit& packed, int, float* v) const {
        const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&packed);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const float2 f = __bfloat1622float2(pairs[i]);
            v[2 * i] = f.x;
            v[2 * i + 1] = f.y;
        }
    }

    __device__ __forceinline__ float scale(const Unit&) const { return 1.0f; }
};

extern "C" __global__ void __launch_bounds__(32 * MATMUL_WARPS) matmul_bf16(
        float* __restrict__ out,                 // [tokens, rows]
        const __nv_bfloat16* __restrict__ w,     // [rows, cols]
        const float* __restrict__ x,             // [tokens, cols]
        int rows, int cols, int tokens) {
    matmul_tile<8>(Bf16Rows{w, cols}, out, x, rows, cols, tokens);
}

extern "C" __global__ void __launch_bounds__(32 * MATMUL_WARPS) matmul_bf16_1(
        float* __restrict__ out,                 // [1, rows]
        const __nv_bfloat16* __restrict__ w,     // [rows, cols]
        const float* __restrict__ x,             // [1, cols]
        int rows, int cols, int tokens) {
    matmul_tile<1>(Bf16Rows{w, cols}, out, x, rows, cols, tokens);
}
