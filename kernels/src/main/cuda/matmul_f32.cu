// Matrix product with f32 weights: the exact fallback for encodings without a kernel of their own (the host
// dequantises them to f32 at upload, trading memory for results identical to the CPU backend's).
// Unit of work per lane: 8 consecutive floats (two 16-byte loads); requires cols % 8 == 0.
// Bound: 4 × rows × cols bytes per tile of 8 tokens. See matmul.cuh for the launch.
#include "matmul.cuh"

struct F32Rows {
    const float* w;  // [rows, cols]

    __device__ __forceinline__ void accumulate_row(long row, int cols, const float* x, int tokens, int lane,
                                                   float* acc) const {
        const float4* src = reinterpret_cast<const float4*>(w + row * cols);
        const int units = cols / 8;
#pragma unroll 4
        for (int u = lane; u < units; u += 32) {
            const float4 a = src[2 * u];
            const float4 b = src[2 * u + 1];
            const float v[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
            accumulate8(acc, v, 1.0f, x, cols, u * 8, tokens);
        }
    }
};

extern "C" __global__ void matmul_f32(
        float* __restrict__ out,        // [tokens, rows]
        const float* __restrict__ w,    // [rows, cols]
        const float* __restrict__ x,    // [tokens, cols]
        int rows, int cols, int tokens) {
    matmul_tile(F32Rows{w}, out, x, rows, cols, tokens);
}
