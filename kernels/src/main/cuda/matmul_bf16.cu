// Matrix product with bf16 weights (W [rows, cols], row-major as in the checkpoint) and f32 activations.
// Unit of work per lane: 8 consecutive bf16 (one 16-byte load); requires cols % 8 == 0.
// Bound: 2 × rows × cols bytes of weights per tile of 8 tokens. See matmul.cuh for the launch.
#include "matmul.cuh"

struct Bf16Rows {
    const __nv_bfloat16* w;  // [rows, cols]

    __device__ __forceinline__ void accumulate_row(long row, int cols, const float* x, int tokens, int lane,
                                                   float* acc) const {
        const uint4* src = reinterpret_cast<const uint4*>(w + row * cols);
        const int units = cols / 8;
#pragma unroll 4
        for (int u = lane; u < units; u += 32) {
            const uint4 packed = src[u];
            const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&packed);
            float v[8];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const float2 f = __bfloat1622float2(pairs[i]);
                v[2 * i] = f.x;
                v[2 * i + 1] = f.y;
            }
            accumulate8(acc, v, 1.0f, x, cols, u * 8, tokens);
        }
    }
};

extern "C" __global__ void matmul_bf16(
        float* __restrict__ out,                 // [tokens, rows]
        const __nv_bfloat16* __restrict__ w,     // [rows, cols]
        const float* __restrict__ x,             // [tokens, cols]
        int rows, int cols, int tokens) {
    matmul_tile(Bf16Rows{w}, out, x, rows, cols, tokens);
}
