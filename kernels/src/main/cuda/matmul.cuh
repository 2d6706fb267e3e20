// The skeleton shared by the matrix-product kernels: out[t, r] = sum_c W[r, c] * x[t, c].
//
// Decode and small batches are bound by reading the weights, so the product is organised around streaming W
// exactly once per tile of MATMUL_TOKENS tokens: one warp owns one weight row; its lanes walk the row in
// coalesced units (a 16-byte vector for bf16, one 32-element quant block for Q4_0/Q8_0), decode each unit into
// registers and multiply it with the same columns of every token of the tile (activations come through L1/L2,
// they are small and shared by all rows). A warp reduction finishes each of the tile's dot products.
// Traffic: rows × cols weight bytes per token tile (the bandwidth bound: one pass over W at batch <= 8),
// plus tokens × cols × 4 activation bytes per row, which L1/L2 absorb.
// Launch: grid (ceil(rows / MATMUL_ROWS), ceil(tokens / MATMUL_TOKENS)), block 32 * MATMUL_ROWS.
// Each format file provides a struct with
//   __device__ void accumulate_row(long row, int cols, const float* x, int tokens, int lane, float* acc)
// that adds lane's share of sum_c W[row, c] * x[t, c] into acc[t] for t < tokens (x already offset to the tile).
#pragma once

#include "common.cuh"

#define MATMUL_TOKENS 8
#define MATMUL_ROWS 4

// acc[t] += scale * sum_{i<8} w[i] * x[t, col + i] for t < tokens. col must be a multiple of 4 (float4 loads).
__device__ __forceinline__ void accumulate8(float* acc, const float* w, float scale, const float* x, int cols,
                                            int col, int tokens) {
#pragma unroll
    for (int t = 0; t < MATMUL_TOKENS; t++) {
        if (t < tokens) {
            const float4 a = *reinterpret_cast<const float4*>(x + (long) t * cols + col);
            const float4 b = *reinterpret_cast<const float4*>(x + (long) t * cols + col + 4);
            const float dot = w[0] * a.x + w[1] * a.y + w[2] * a.z + w[3] * a.w
                            + w[4] * b.x + w[5] * b.y + w[6] * b.z + w[7] * b.w;
            acc[t] += scale * dot;
        }
    }
}

template <typename Format>
__device__ __forceinline__ void matmul_tile(const Format& format, float* __restrict__ out,
                                            const float* __restrict__ x, int rows, int cols, int tokens) {
    const int lane = threadIdx.x & 31;
    const long row = (long) blockIdx.x * MATMUL_ROWS + (threadIdx.x >> 5);
    const int first_token = blockIdx.y * MATMUL_TOKENS;
    const int tile_tokens = min(MATMUL_TOKENS, tokens - first_token);
    if (row >= rows) return;  // the whole warp leaves together: its shuffles stay full
    float acc[MATMUL_TOKENS];
#pragma unroll
    for (int t = 0; t < MATMUL_TOKENS; t++) acc[t] = 0.0f;
    format.accumulate_row(row, cols, x + (long) first_token * cols, tile_tokens, lane, acc);
#pragma unroll
    for (int t = 0; t < MATMUL_TOKENS; t++) {
        const float sum = warp_sum(acc[t]);
        if (lane == 0 && t < tile_tokens) out[(long) (first_token + t) * rows + row] = sum;
    }
}
