// Per-head q/k RMSNorm, rotary position embedding, and the store of the new keys and values into the paged cache.
//
// Gemma 3 normalises every query and key head over head_dim (weights q_norm / k_norm, already 1 + w), then
// rotates it in the rotate-half (NeoX) form: element i pairs with element i + D/2, angle
// position * inv_freq[i], inv_freq[i] = base^(-2i/D) / linear_scale. Local layers use base 10 000 and no scaling;
// global layers base 1 000 000 and, on 4B and larger, linear scaling 8. Angles are computed in double so they
// match the CPU backend's tables (also double) to the last bit of the float cosines in practice.
//
// Input is the fused q|k|v projection: row t holds Hq query heads, then Hk key heads, then Hk value heads, D each,
// so head y of the grid starts at column y * D whatever its kind.
// Algorithm: one block per (token, head); y < Hq: a query head, normalised, rotated and written to q_out;
// Hq <= y < Hq + Hk: a key head, normalised, rotated and written to its cache slot; y >= Hq + Hk: a value head,
// copied to its slot. Thread i handles the pair (i, i + D/2).
// Traffic: reads and writes each q/k/v element once: O(tokens × (Hq + 2 Hk) × D), tiny.
// Launch: grid (tokens, Hq + 2 * Hk), block max(32, D / 2 rounded up to 32).
#include "common.cuh"

extern "C" __global__ void qk_norm_rope_store(
        float* __restrict__ q_out,          // [tokens, Hq * D]
        const float* __restrict__ qkv,      // [tokens, (Hq + 2 Hk) * D]
        const float* __restrict__ q_norm,   // [D]
        const float* __restrict__ k_norm,   // [D]
        const int* __restrict__ positions,  // [tokens]
        const int* __restrict__ slots,      // [tokens] cache slot of each token (block * BLOCK_TOKENS + offset)
        float* __restrict__ k_cache,        // [cache slots, Hk * D] this layer's keys
        float* __restrict__ v_cache,        // [cache slots, Hk * D] this layer's values
        int Hq, int Hk, int D, float eps, double rope_base, double rope_linear_scale) {
    const int t = blockIdx.x;
    const int head = blockIdx.y;
    const int half = D / 2;
    const int kv_width = Hk * D;
    const long slot = slots[t];
    const float* src = qkv + (long) t * (Hq + 2 * Hk) * D + head * D;

    if (head >= Hq + Hk) {  // a value head: copy it to the cache
        float* dst = v_cache + slot * kv_width + (head - Hq - Hk) * D;
        for (int i = threadIdx.x; i < D; i += blockDim.x) dst[i] = src[i];
        return;
    }

    const bool is_query = head < Hq;
    const float* weight = is_query ? q_norm : k_norm;

    const int i = threadIdx.x;
    const bool active = i < half;
    const float a = active ? src[i] : 0.0f;
    const float b = active ? src[i + half] : 0.0f;
    const float inv = (float) (1.0 / sqrt((double) block_sum(a * a + b * b) / D + (double) eps));
    if (!active) return;

    const float na = a * inv * weight[i];
    const float nb = b * inv * weight[i + half];
    const double inv_freq = 1.0 / pow(rope_base, (2.0 * i) / D) / rope_linear_scale;
    const double angle = (double) positions[t] * inv_freq;
    const float c = (float) cos(angle);
    const float s = (float) sin(angle);
    const float ra = na * c - nb * s;
    const float rb = nb * c + na * s;

    float* dst = is_query ? q_out + (long) t * Hq * D + head * D : k_cache + slot * kv_width + (head - Hq) * D;
    dst[i] = ra;
    dst[i + half] = rb;
}
