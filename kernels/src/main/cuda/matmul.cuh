// The skeleton shared by the matrix-product kernels: out[t, r] = sum_c W[r, c] * x[t, c].
//
// Decode and small batches are bound by reading the weights, so the product is organised around streaming W
// exactly once per tile of TOKENS tokens. One block owns MATMUL_WARP_ROWS consecutive weight rows; its warps split
// the columns (so a narrow matrix such as Gemma's [hidden, ffn] down projection still spreads over many blocks),
// and each lane walks the rows in coalesced units (8 bf16 or f32 values, or one 32-value quant block). For each
// 8-column slice of a unit a lane loads the activations of every token of the tile once and uses them for all
// of the block's rows (a quarter of the L1 traffic one row at a time would need). Warp reductions, then a
// fixed-order sum of the warps' partials in shared memory, finish each dot product (deterministic: no atomics).
// Traffic: rows × cols weight bytes per token tile (the bandwidth bound: one pass over W at batch <= 8), plus
// tokens × cols × 4 activation bytes per block, which L1/L2 absorb.
// Launch: grid (ceil(rows / MATMUL_WARP_ROWS), ceil(tokens / TOKENS)), block 32 × MATMUL_WARPS.
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
    __shared__ float partials[MATMUL_WARPS][MATMUL_WARP_ROWS][TOKENS];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const long row0 = (long) blockIdx.x * MATMUL_WARP_ROWS;
    const int first_token = blockIdx.y * TOKENS;
    const int tile_tokens = min(TOKENS, tokens - first_token);
    const float* xt = x + (long) first_token * cols;

    float acc[MATMUL_WARP_ROWS][TOKENS];
#pragma unroll
    for (int r = 0; r < MATMUL_WARP_ROWS; r++)
#pragma unroll
        for (int t = 0; t < TOKENS; t++) acc[r][t] = 0.0f;

    const int units = cols / Format::COLUMNS;
    for (int u = warp * 32 + lane; u < units; u += 32 * MATMUL_WARPS) {
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
            if (lane == 0) partials[warp][r][t] = sum;
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < MATMUL_WARP_ROWS * TOKENS; i += blockDim.x) {
        const int r = i / TOKENS;
        const int t = i % TOKENS;
        if (t < tile_tokens && row0 + r < rows) {
            float sum = 0.0f;
#pragma unroll
            for (int w = 0; w < MATMUL_WARPS; w++) sum += partials[w][r][t];
            out[(long) (first_token + t) * rows + row0 + r] = sum;
        }
    }
}
