// Matrix product with f32 weights: the exact fallback for encodings without a kernel of their own (the host
// dequantises them to f32 at upload, trading memory for results identical to the CPU backend's).
// Unit per lane: 8 consecutive floats (two 16-byte loads); requires cols % 8 == 0.
// Bound: 4 × rows × cols bytes per token tile. See matmul.cuh for the algorithm and launch.
#include "matmul.cuh"

struct F32Rows {
    const float* w;  // [rows, cols]
    int cols;

    struct Unit {
        float4 a;
        float4 b;
    };
    static constexpr int COLUMNS = 8;

    __device__ __forceinline__ Unit load(long row, int unit) const {
        const float4* src = reinterpret_cast<const float4*>(w + row * cols);
        return Unit{src[2 * unit], src[2 * unit + 1]};
    }

    __device__ __forceinline__ void decode8(const Unit& u, int, float* v) const {
        v[0] = u.a.x; v[1] = u.a.y; v[2] = u.a.z; v[3] = u.a.w;
        v[4] = u.b.x; v[5] = u.b.y; v[6] = u.b.z; v[7] = u.b.w;
    }

    __device__ __forceinline__ float scale(const Unit&) const { return 1.0f; }
};

extern "C" __global__ void __launch_bounds__(32 * MATMUL_WARPS) matmul_f32(
        float* __restrict__ out,        // [tokens, rows]
        const float* __restrict__ w,    // [rows, cols]
        const float* __restrict__ x,    // [tokens, cols]
        int rows, int cols, int tokens) {
    matmul_tile<8>(F32Rows{w, cols}, out, x, rows, cols, tokens);
}

extern "C" __global__ void __launch_bounds__(32 * MATMUL_WARPS) matmul_f32_1(
        float* __restrict__ out,        // [1, rows]
        const float* __restrict__ w,    // [rows, cols]
        const float* __restrict__ x,    // [1, cols]
        int rows, int cols, int tokens) {
    matmul_tile<1>(F32Rows{w, cols}, out, x, rows, cols, tokens);
}
