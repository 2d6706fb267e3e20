// Token choice on the device, so a decode step copies back token ids instead of vocabulary-sized logits.
//
// argmax_rows: greedy decoding, the index of the largest logit of each row, the lowest index among equals
// (the CPU Sampler's rule). One block per row; each thread scans a strided slice keeping its best (value, index),
// then a shared-memory tree reduction picks the block's best.
// Traffic: reads rows × vocab floats once.
// Launch: grid (rows), block 1024 (a power of two).
#include "common.cuh"

__device__ __forceinline__ bool better(float value, int index, float best_value, int best_index) {
    return value > best_value || (value == best_value && index < best_index);
}

extern "C" __global__ void argmax_rows(
        int* __restrict__ out,              // [rows]
        const float* __restrict__ logits,   // [rows, vocab]
        int vocab) {
    __shared__ float values[1024];
    __shared__ int indices[1024];
    const float* row = logits + (long) blockIdx.x * vocab;
    float best = -CUDART_INF_F;
    int best_index = 0x7fffffff;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        const float v = row[i];
        if (better(v, i, best, best_index)) {
            best = v;
            best_index = i;
        }
    }
    values[threadIdx.x] = best;
    indices[threadIdx.x] = best_index;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            const int other = threadIdx.x + stride;
            if (better(values[other], indices[other], values[threadIdx.x], indices[threadIdx.x])) {
                values[threadIdx.x] = values[other];
                indices[threadIdx.x] = indices[other];
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = indices[0] == 0x7fffffff ? 0 : indices[0];
}
