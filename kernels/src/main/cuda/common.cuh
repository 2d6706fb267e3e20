// Shared device helpers: warp and block reductions and the conventions every kernel file follows.
//
// Conventions
// - Every kernel is extern "C" so the host finds it by its plain name (cuModuleGetFunction).
// - Activations are f32, row-major [tokens, width]; weights keep their checkpoint encoding (bf16, Q4_0, Q8_0,
//   f32) in the repacked layouts described in matmul_*.cu.
// - Block sizes are multiples of 32: the reductions below use full-warp shuffles.
// - No --use_fast_math: expf/tanhf/rsqrt here are the accurate ones, so results track the CPU backend closely.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <math_constants.h>

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

// Sum of v over the whole block, returned to every thread. Every thread of the block must call it.
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float partial[32];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();  // an earlier call may still be reading partial[0]
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    float r = lane < warps ? partial[lane] : 0.0f;
    r = warp_sum(r);  // every warp reduces the same partials: no second broadcast needed
    return r;
}

// Maximum of v over the whole block, returned to every thread. Every thread of the block must call it.
__device__ __forceinline__ float block_max(float v) {
    __shared__ float partial[32];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = (blockDim.x + 31) >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    float r = lane < warps ? partial[lane] : -CUDART_INF_F;
    return warp_max(r);
}
