// Attention over a paged key/value cache, split along the keys (flash-decoding), for decode and prefill alike.
//
// Every query row (token t, head h) attends to its own sequence's keys at positions [first, pos]: causal, and on
// sliding-window layers first = pos - window + 1 (key j is visible from query i iff 0 <= i - j < window). The
// cache is paged: position p of a sequence lives in slot block_tables[seq, p / BLOCK] * BLOCK + p % BLOCK.
//
// Pass 1 (attention_partial): the visible keys are cut into chunks of `chunk` keys; one block per
// (token, head, chunk) computes the chunk's scores into shared memory, their maximum m, the exponentials
// p = exp(s - m), their sum l and the partial output acc = sum p * v, and writes (acc, m, l).
// Pass 2 (attention_merge): out = sum_c exp(m_c - M) acc_c / sum_c exp(m_c - M) l_c with M = max m_c.
// Splitting keeps all multiprocessors busy at batch 1 with long contexts, where one block per head would use 4.
//
// Traffic: each (token, head) reads its visible keys and values once (2 × count × D floats); query heads of one
// GQA group each re-read their shared key/value head (served mostly by L2). Prefill re-reads keys per query row:
// O(T × count × D) from L2 — correct, not yet the tiled flash-attention prefill (see the module README).
// Launch: attention_partial grid (tokens, Hq, chunks), block 256, dynamic shared memory D + 2 × chunk words;
//         attention_merge grid (tokens, Hq), block 128.
#include "common.cuh"

#define BLOCK_TOKENS 16

__device__ __forceinline__ long cache_slot(const int* block_table, int position) {
    return (long) block_table[position / BLOCK_TOKENS] * BLOCK_TOKENS + position % BLOCK_TOKENS;
}

extern "C" __global__ void attention_partial(
        float* __restrict__ partial,           // [tokens, Hq, chunks, D + 2]: acc[D], m, l
        const float* __restrict__ q,           // [tokens, Hq * D] (normalised and rotated)
        const float* __restrict__ k_cache,     // [cache slots, Hk * D]
        const float* __restrict__ v_cache,     // [cache slots, Hk * D]
        const int* __restrict__ positions,     // [tokens]
        const int* __restrict__ token_seq,     // [tokens] row of block_tables for each token
        const int* __restrict__ block_tables,  // [sequences, max_blocks]
        int max_blocks, int Hq, int Hk, int D, float scale, int window /* 0 = global */, int chunk) {
    extern __shared__ float shared[];
    float* q_row = shared;                                   // [D]
    float* scores = shared + D;                              // [chunk]
    int* key_slots = reinterpret_cast<int*>(scores + chunk); // [chunk] cache slot of each key of the chunk

    const int t = blockIdx.x;
    const int h = blockIdx.y;
    const int c = blockIdx.z;
    const int chunks = gridDim.z;
    const int pos = positions[t];
    const int first = window > 0 ? max(0, pos - window + 1) : 0;
    const int start = first + c * chunk;
    const int end = min(pos + 1, start + chunk);
    float* out = partial + (((long) t * Hq + h) * chunks + c) * (D + 2);

    if (start >= end) {  // this chunk lies past the visible keys: contribute nothing
        for (int d = threadIdx.x; d < D; d += blockDim.x) out[d] = 0.0f;
        if (threadIdx.x == 0) {
            out[D] = -CUDART_INF_F;
            out[D + 1] = 0.0f;
        }
        return;  // uniform across the block: no barrier is skipped by only some threads
    }

    const int kv_width = Hk * D;
    const int kv_offset = (h / (Hq / Hk)) * D;
    const int* table = block_tables + (long) token_seq[t] * max_blocks;
    const int n = end - start;
    // Resolve the chunk's cache slots once: the loops below then issue independent loads, not table lookups.
    for (int j = threadIdx.x; j < n; j += blockDim.x) key_slots[j] = (int) cache_slot(table, start + j);
    for (int d = threadIdx.x; d < D; d += blockDim.x) q_row[d] = q[(long) t * Hq * D + h * D + d];
    __syncthreads();

    // Scores: each warp takes four keys at a time (loads of all four in flight), lanes split the head dimension.
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    for (int j0 = warp * 4; j0 < n; j0 += warps * 4) {
        float dot[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
        for (int u = 0; u < 4; u++) {
            if (j0 + u < n) {
                const float* key = k_cache + (long) key_slots[j0 + u] * kv_width + kv_offset;
                for (int d = lane; d < D; d += 32) dot[u] += q_row[d] * key[d];
            }
        }
#pragma unroll
        for (int u = 0; u < 4; u++) {
            const float s = warp_sum(dot[u]);
            if (lane == 0 && j0 + u < n) scores[j0 + u] = s * scale;
        }
    }
    __syncthreads();

    float m = -CUDART_INF_F;
    for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, scores[j]);
    m = block_max(m);
    float l = 0.0f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        const float p = expf(scores[j] - m);
        scores[j] = p;
        l += p;
    }
    l = block_sum(l);  // its barriers also publish the exponentials written above

    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        const float* values = v_cache + kv_offset + d;
        float acc = 0.0f;
#pragma unroll 8
        for (int j = 0; j < n; j++) acc += scores[j] * values[(long) key_slots[j] * kv_width];
        out[d] = acc;
    }
    if (threadIdx.x == 0) {
        out[D] = m;
        out[D + 1] = l;
    }
}

extern "C" __global__ void attention_merge(
        float* __restrict__ out,            // [tokens, Hq * D]
        const float* __restrict__ partial,  // [tokens, Hq, chunks, D + 2]
        int Hq, int D, int chunks) {
    const int t = blockIdx.x;
    const int h = blockIdx.y;
    const float* p = partial + ((long) t * Hq + h) * chunks * (D + 2);
    float big_m = -CUDART_INF_F;
    for (int c = 0; c < chunks; c++) big_m = fmaxf(big_m, p[c * (D + 2) + D]);
    float total = 0.0f;
    for (int c = 0; c < chunks; c++) {
        const float m = p[c * (D + 2) + D];
        if (m != -CUDART_INF_F) total += expf(m - big_m) * p[c * (D + 2) + D + 1];
    }
    const float inv_total = 1.0f / total;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float acc = 0.0f;
        for (int c = 0; c < chunks; c++) {
            const float m = p[c * (D + 2) + D];
            if (m != -CUDART_INF_F) acc += expf(m - big_m) * p[c * (D + 2) + d];
        }
        out[(long) t * Hq * D + h * D + d] = acc * inv_total;
    }
}
