// Embedding gather: out[t, :] = dequant(table[tokens[t], :]) * scale, with scale = sqrt(hidden) for Gemma.
//
// Algorithm: one block per token copies one table row, threads striding over the hidden dimension.
// Traffic: reads tokens × hidden table elements and writes tokens × hidden f32; tiny next to any matmul.
// Launch: grid (tokens), block 256.
#include "common.cuh"

extern "C" __global__ void embed_f32(
        float* __restrict__ out,            // [tokens, hidden]
        const float* __restrict__ table,    // [vocab, hidden]
        const int* __restrict__ tokens,     // [tokens]
        int hidden, float scale) {
    const long row = tokens[blockIdx.x];
    const float* src = table + row * hidden;
    float* dst = out + (long) blockIdx.x * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) dst[i] = src[i] * scale;
}

extern "C" __global__ void embed_bf16(
        float* __restrict__ out,                    // [tokens, hidden]
        const __nv_bfloat16* __restrict__ table,    // [vocab, hidden]
        const int* __restrict__ tokens,             // [tokens]
        int hidden, float scale) {
    const long row = tokens[blockIdx.x];
    const __nv_bfloat16* src = table + row * hidden;
    float* dst = out + (long) blockIdx.x * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) dst[i] = __bfloat162float(src[i]) * scale;
}

// Q8_0, repacked (see matmul_q8_0.cu): element i of a row is scales[row, i/32] * quants[row, i].
extern "C" __global__ void embed_q8_0(
        float* __restrict__ out,                 // [tokens, hidden]
        const signed char* __restrict__ quants,  // [vocab, hidden]
        const __half* __restrict__ scales,       // [vocab, hidden / 32]
        const int* __restrict__ tokens,          // [tokens]
        int hidden, float scale) {
    const long row = tokens[blockIdx.x];
    const signed char* q = quants + row * hidden;
    const __half* d = scales + row * (hidden / 32);
    float* dst = out + (long) blockIdx.x * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        dst[i] = __half2float(d[i / 32]) * (float) q[i] * scale;
    }
}

// Q4_0, repacked (see matmul_q4_0.cu): block b of a row is 16 bytes; byte j holds element j (low nibble) and
// element j + 16 (high nibble); each element is scales[row, b] * (nibble - 8).
extern "C" __global__ void embed_q4_0(
        float* __restrict__ out,                   // [tokens, hidden]
        const unsigned char* __restrict__ quants,  // [vocab, hidden / 2]
        const __half* __restrict__ scales,         // [vocab, hidden / 32]
        const int* __restrict__ tokens,            // [tokens]
        int hidden, float scale) {
    const long row = tokens[blockIdx.x];
    const unsigned char* q = quants + row * (hidden / 2);
    const __half* d = scales + row * (hidden / 32);
    float* dst = out + (long) blockIdx.x * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        const int block = i / 32;
        const int j = i % 32;
        const unsigned char packed = q[block * 16 + (j & 15)];
        const int nibble = j < 16 ? (packed & 15) : (packed >> 4);
        dst[i] = __half2float(d[block]) * (float) (nibble - 8) * scale;
    }
}
