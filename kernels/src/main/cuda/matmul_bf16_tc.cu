// Matrix product with bf16 weights on tensor cores, for many tokens at once (prefill chunks, big decode batches):
// out[t, r] = sum_c W[r, c] * x[t, c], as the GEMM C[T, rows] = A[T, cols] * B[cols, rows] with A = x and
// B = W^T (W row-major is B column-major, so weights are read as stored).
//
// Algorithm: one block computes a 64-token × 64-row tile of C with four warps (a 2 × 2 grid of 32 × 32 warp
// tiles, each 2 × 2 WMMA 16×16×16 fragments, f32 accumulators). Each step over K stages a 64 × 32 slice of A
// (f32 activations rounded to bf16 as they are staged, as a bf16 model's activations are) and of W in shared
// memory. Partial tiles at the T and rows edges are padded with zeros and masked on store.
// Precision: activations are rounded to bf16, so results differ from matmul_bf16 (f32 activations) by about
// 2^-8 relative; the executor uses it only for long prefill chunks (KernelLibrary.TENSOR_CORE_MIN_TOKENS).
// Not yet split along K: a narrow matrix gets few blocks (18 for 1152 rows at 64 tokens), which is why.
// Traffic: W is read once per 64 tokens (8 times less often than matmul_bf16's 8-token tiles); A tiles come
// from L2. Requires cols % 32 == 0.
// Launch: grid (ceil(rows / 64), ceil(tokens / 64)), block 128.
#include "common.cuh"
#include <mma.h>

using namespace nvcuda;

#define TC_TILE 64
#define TC_K 32
#define TC_PAD 8  // keeps rows 16-byte aligned and staggers shared-memory banks

extern "C" __global__ void matmul_bf16_tc(
        float* __restrict__ out,                // [tokens, rows]
        const __nv_bfloat16* __restrict__ w,    // [rows, cols]
        const float* __restrict__ x,            // [tokens, cols]
        int rows, int cols, int tokens) {
    __shared__ __align__(32) __nv_bfloat16 a_tile[TC_TILE][TC_K + TC_PAD];  // tokens × k
    __shared__ __align__(32) __nv_bfloat16 b_tile[TC_TILE][TC_K + TC_PAD];  // weight rows × k (B column-major)
    __shared__ __align__(32) float c_tile[TC_TILE][TC_TILE + 4];

    const int row0 = blockIdx.x * TC_TILE;
    const int token0 = blockIdx.y * TC_TILE;
    const int warp = threadIdx.x >> 5;
    const int warp_token = (warp >> 1) * 32;  // this warp's 32 × 32 sub-tile
    const int warp_row = (warp & 1) * 32;

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.0f);

    for (int k0 = 0; k0 < cols; k0 += TC_K) {
        // Stage A: 64 × 32 floats, 16 per thread, rounded to bf16.
        for (int e = threadIdx.x; e < TC_TILE * TC_K; e += blockDim.x) {
            const int t = e / TC_K;
            const int k = e % TC_K;
            const float v = token0 + t < tokens ? x[(long) (token0 + t) * cols + k0 + k] : 0.0f;
            a_tile[t][k] = __float2bfloat16(v);
        }
        // Stage B: 64 weight rows × 32 bf16, one 16-byte vector (8 values) per thread per pass.
        for (int e = threadIdx.x; e < TC_TILE * (TC_K / 8); e += blockDim.x) {
            const int r = e / (TC_K / 8);
            const int k = (e % (TC_K / 8)) * 8;
            uint4 v = make_uint4(0, 0, 0, 0);
            if (row0 + r < rows) v = *reinterpret_cast<const uint4*>(w + (long) (row0 + r) * cols + k0 + k);
            *reinterpret_cast<uint4*>(&b_tile[r][k]) = v;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TC_K; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> b[2];
#pragma unroll
            for (int i = 0; i < 2; i++) wmma::load_matrix_sync(a[i], &a_tile[warp_token + i * 16][kk], TC_K + TC_PAD);
#pragma unroll
            for (int j = 0; j < 2; j++) wmma::load_matrix_sync(b[j], &b_tile[warp_row + j * 16][kk], TC_K + TC_PAD);
#pragma unroll
            for (int i = 0; i < 2; i++)
#pragma unroll
                for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++)
            wmma::store_matrix_sync(&c_tile[warp_token + i * 16][warp_row + j * 16], acc[i][j], TC_TILE + 4,
                                    wmma::mem_row_major);
    __syncthreads();
    for (int e = threadIdx.x; e < TC_TILE * TC_TILE; e += blockDim.x) {
        const int t = e / TC_TILE;
        const int r = e % TC_TILE;
        if (token0 + t < tokens && row0 + r < rows) out[(long) (token0 + t) * rows + row0 + r] = c_tile[t][r];
    }
}
