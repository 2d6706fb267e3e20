// The skeleton shared by the matrix-product kernels: out[t, r] = sum_c W[r, c] * x[t, c].
//
// Decode and small batches are bound by reading the weights, so the product is organised around streaming W
// exactly once per tile of TOKENS tokens. One warp owns MATMUL_WARP_ROWS consecutive weight rows; its lanes walk
// the rows in coalesced units (8 bf16 or f32 values, or one 32-value quant block), and for each 8-column slice of
// a unit load the activations of every token of the tile once and use them for all of the warp's rows (so L1
// traffic for activations is a quarter of what one row per warp would need). A warp reduction finishes each dot
// product.
// Traffic: rows × cols weight bytes per token tile (the bandwidth bound: one pass over W at batch <= 8), plus
// tokens × cols × 4 activation bytes per warp, which L1/L2 absorb.
// Launch: grid (ceil(rows / (MATMUL_WARPS × MATMUL_WARP_ROWS)), ceil(tokens / TOKENS)), block 32 × MATMUL_WARPS.
//
// A format provides
//   using Unit = ...;                                   one lane's unit of one row, as loaded
//   static constexpr int COLUMNS                        columns per unit (a multiple of 8)
//   Unit load(long row, int unit) const                 the unit's bytes
//   void decode8(const Unit&, int slice, float* w) const   values of columns 8·slice .. 8·slice + 7 of the unit
//   float scale(const Unit&) const                      the factor on those values (1 for plain formats)
#pragma once

#include "common.cuh"

#define MATMUL_WARPS 4
#define MATMUL_WARP_ROWS 4

template <int TOKENS, typename Format>
__device__ __forceinline__ void matmul_tile(const Format& format, float* __restrict__ out,
                                            const float* __restrict__ x, int rows, int cols, int tokens) {
    const int lane = threadIdx.x & 31;
    const long row0 = ((long) blockIdx.x * MATMUL_WARPS + (threadIdx.x >> 5)) * MATMUL_WARP_ROWS;
    const int first_token = blockIdx.y * TOKENS;
    const int tile_tokens = min(TOKENS, tokens - first_token);
    if (row0 >= rows) return;  // the whole warp leaves together: its shuffles stay full
    const float* xt = x + (long) first_token * cols;

    float acc[MATMUL_WARP_ROWS][TOKENS];
#pragma unroll
    for (int r = 0; r < MATMUL_WARP_ROWS; r++)
#pragma unroll
        for (int t = 0; t < TOKENS; t++) acc[r][t] = 0.0f;

    const int units = cols / Format::COLUMNS;
    for (int u = lane; u < units; u += 32) {
        typename Format::Unit unit[MATMUL_WARP_ROWS];
#pragma unroll
        for (int r = 0; r < MATMUL_WARP_ROWS; r++) {
            // Rows past the end re-read the last row (a valid address); their sums are never stored.
            unit[r] = format.load(min(row0 + r, (long) rows - 1), u);
        }
#pragma unroll
        for (int slice = 0; slice < Format::COLUMNS / 8; slice++) {
            const int col = u * Format::COLUMNS + slice * 8;
            float xv[TOKENS][8];
#pragma unroll
            for (int t = 0; t < TOKENS; t++) {
                if (t < tile_tokens) {
                    const float4 a = *reinterpret_cast<const float4*>(xt + (long) t * cols + col);
                    const float4 b = *reinterpret_cast<const float4*>(xt + (long) t * cols + col + 4);
                    xv[t][0] = a.x; xv[t][1] = a.y; xv[t][2] = a.z; xv[t][3] = a.w;
                    xv[t][4] = b.x; xv[t][5] = b.y; xv[t][6] = b.z; xv[t][7] = b.w;
                }
            }
#pragma unroll
            for (int r = 0; r < MATMUL_WARP_ROWS; r++) {
                float w[8];
                format.decode8(unit[r], slice, w);
                const float s = format.scale(unit[r]);
#pragma unroll
                for (int t = 0; t < TOKENS; t++) {
                    if (t < tile_tokens) {
                        float dot = 0.0f;
#pragma unroll
                        for (int i = 0; i < 8; i++) dot += w[i] * xv[t][i];
                        acc[r][t] += s * dot;
                    }
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < MATMUL_WARP_ROWS; r++) {
#pragma unroll
        for (int t = 0; t < TOKENS; t++) {
            const float sum = warp_sum(acc[r][t]);
            if (lane == 0 && t < tile_tokens && row0 + r < rows) out[(long) (first_token + t) * rows + row0 + r] = sum;
        }
    }
}
