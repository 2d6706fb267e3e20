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

// sample_rows: temperature, top-k, top-p and min-p sampling on the device, with the CPU Sampler's rules:
// z = (logit - max) / temperature; tokens are visited from most to least likely and kept while fewer than top_k
// are kept, the cumulative probability of those already kept is below top_p, and the probability is at least
// min_p times the top one (the first token is always kept); a uniform u in [0, 1) then picks among the kept
// tokens in that order, in proportion to their probability. temperature 0 means greedy (argmax_rows' rule).
//
// Algorithm, one block per row:
//  1. the row's maximum and the normaliser S = sum exp(z) over the whole vocabulary;
//  2. without truncation: an exact draw by a block-wide prefix sum over contiguous thread ranges;
//  3. with truncation: a histogram of z over [Z_FLOOR, 0] in SAMPLE_BINS bins (count and probability mass)
//     finds, from the top, the bin where top-k's count or top-p's mass is reached; the tokens at or above it
//     (at most SAMPLE_CAP) are gathered, bitonic-sorted by z (ties: lower index first) and the rules applied
//     exactly on the sorted candidates. If more than SAMPLE_CAP tokens would be needed, the row's output is -1
//     and the host samples that row from the logits instead.
// Traffic: three reads of the row (max, histogram, gather), from L2 after the first.
// Launch: grid (rows), block 1024 (SAMPLE_CAP threads).
#define SAMPLE_BINS 2048
#define SAMPLE_CAP 1024
#define Z_FLOOR (-20.0f)

extern "C" __global__ void sample_rows(
        int* __restrict__ out,                  // [rows] chosen token, or -1 (sample on the host)
        const float* __restrict__ logits,       // [rows, vocab]
        const float* __restrict__ temperature,  // [rows] 0 = greedy
        const int* __restrict__ top_k,          // [rows] 0 = off
        const float* __restrict__ top_p,        // [rows] 1 = off
        const float* __restrict__ min_p,        // [rows] 0 = off
        const float* __restrict__ uniform,      // [rows] in [0, 1)
        int vocab) {
    __shared__ float values[SAMPLE_CAP];   // argmax scratch, then candidate z
    __shared__ int indices[SAMPLE_CAP];    // argmax scratch, then candidate token ids
    __shared__ int bin_count[SAMPLE_BINS];
    __shared__ float bin_mass[SAMPLE_BINS];
    __shared__ int shared_int[2];          // [0] candidate count / chosen token, [1] boundary bin
    const int row = blockIdx.x;
    const float* l = logits + (long) row * vocab;
    const int tid = threadIdx.x;
    const int threads = blockDim.x;

    // 1. The maximum and its lowest index (greedy needs both).
    float best = -CUDART_INF_F;
    int best_index = 0x7fffffff;
    for (int i = tid; i < vocab; i += threads) {
        if (better(l[i], i, best, best_index)) {
            best = l[i];
            best_index = i;
        }
    }
    values[tid] = best;
    indices[tid] = best_index;
    __syncthreads();
    for (int stride = threads / 2; stride > 0; stride >>= 1) {
        if (tid < stride && better(values[tid + stride], indices[tid + stride], values[tid], indices[tid])) {
            values[tid] = values[tid + stride];
            indices[tid] = indices[tid + stride];
        }
        __syncthreads();
    }
    const float max_logit = values[0];
    const int argmax = indices[0];
    const float t = temperature[row];
    if (t <= 0.0f) {
        if (tid == 0) out[row] = argmax;
        return;
    }
    const float inv_t = 1.0f / t;
    const int k = top_k[row];
    const float p = top_p[row];
    const float mp = min_p[row];
    const float u = uniform[row];

    // The normaliser over the whole vocabulary.
    float local = 0.0f;
    for (int i = tid; i < vocab; i += threads) local += expf((l[i] - max_logit) * inv_t);
    const float total = block_sum(local);

    const bool truncate = (k > 0 && k < vocab) || p < 1.0f || mp > 0.0f;
    if (!truncate) {
        // 2. Exact draw over everything: thread ranges are contiguous so prefix sums follow token order.
        const int per = (vocab + threads - 1) / threads;
        const int begin = min(vocab, tid * per);
        const int end = min(vocab, begin + per);
        float mine = 0.0f;
        for (int i = begin; i < end; i++) mine += expf((l[i] - max_logit) * inv_t);
        values[tid] = mine;
        if (tid == 0) shared_int[0] = -1;
        __syncthreads();
        for (int offset = 1; offset < threads; offset <<= 1) {  // Hillis-Steele inclusive scan
            const float add = tid >= offset ? values[tid - offset] : 0.0f;
            __syncthreads();
            values[tid] += add;
            __syncthreads();
        }
        const float target = u * values[threads - 1];
        const float before = values[tid] - mine;
        if (mine > 0.0f && before <= target && target < values[tid]) {
            float running = before;
            int pick = -1;
            for (int i = begin; i < end; i++) {
                const float w = expf((l[i] - max_logit) * inv_t);
                if (w > 0.0f) pick = i;
                running += w;
                if (running > target) break;
            }
            shared_int[0] = pick;
        }
        __syncthreads();
        if (tid == 0) out[row] = shared_int[0] >= 0 ? shared_int[0] : argmax;
        return;
    }

    // 3. Histogram of z over [Z_FLOOR, 0]; min-p removes tokens below its cut before anything else.
    const float min_p_cut = mp > 0.0f ? logf(mp) : -CUDART_INF_F;
    for (int b = tid; b < SAMPLE_BINS; b += threads) {
        bin_count[b] = 0;
        bin_mass[b] = 0.0f;
    }
    __syncthreads();
    const float bin_scale = SAMPLE_BINS / -Z_FLOOR;
    for (int i = tid; i < vocab; i += threads) {
        const float z = (l[i] - max_logit) * inv_t;
        if (z >= Z_FLOOR && z >= min_p_cut) {
            const int b = min(SAMPLE_BINS - 1, (int) ((z - Z_FLOOR) * bin_scale));
            atomicAdd(&bin_count[b], 1);
            atomicAdd(&bin_mass[b], expf(z));
        }
    }
    __syncthreads();
    if (tid == 0) {
        // From the top bin down, stop at the bin where top-k's count or top-p's mass is reached.
        int count = 0;
        float mass = 0.0f;
        int boundary = 0;
        for (int b = SAMPLE_BINS - 1; b >= 0; b--) {
            count += bin_count[b];
            mass += bin_mass[b];
            if ((k > 0 && count >= k) || (p < 1.0f && mass >= p * total)) {
                boundary = b;
                break;
            }
        }
        shared_int[0] = 0;
        shared_int[1] = count > SAMPLE_CAP ? -1 : boundary;
    }
    __syncthreads();
    const int boundary = shared_int[1];
    if (boundary < 0) {
        if (tid == 0) out[row] = -1;  // too many candidates: the host samples this row
        return;
    }
    // Gather the candidates.
    values[tid] = -CUDART_INF_F;
    indices[tid] = 0x7fffffff;
    __syncthreads();
    for (int i = tid; i < vocab; i += threads) {
        const float z = (l[i] - max_logit) * inv_t;
        if (z >= Z_FLOOR && z >= min_p_cut && min(SAMPLE_BINS - 1, (int) ((z - Z_FLOOR) * bin_scale)) >= boundary) {
            const int slot = atomicAdd(&shared_int[0], 1);
            values[slot] = z;
            indices[slot] = i;
        }
    }
    __syncthreads();
    // Bitonic sort of SAMPLE_CAP entries, best first (higher z, then lower index).
    for (int size = 2; size <= SAMPLE_CAP; size <<= 1) {
        for (int stride = size / 2; stride > 0; stride >>= 1) {
            const int partner = tid ^ stride;
            if (partner > tid) {
                const bool first_half = (tid & size) == 0;
                const bool partner_better = better(values[partner], indices[partner], values[tid], indices[tid]);
                if (partner_better == first_half) {
                    const float v = values[tid];
                    values[tid] = values[partner];
                    values[partner] = v;
                    const int x = indices[tid];
                    indices[tid] = indices[partner];
                    indices[partner] = x;
                }
            }
            __syncthreads();
        }
    }
    if (tid == 0) {
        const int n = shared_int[0];
        const int limit = k > 0 ? min(k, n) : n;
        const double top = exp((double) values[0]) / total;
        const double floor = mp * top;
        double cumulative = 0.0;
        double kept_total = 0.0;
        int kept = 0;
        for (int j = 0; j < limit; j++) {
            const double prob = exp((double) values[j]) / total;
            if (j > 0 && (prob < floor || cumulative >= p)) break;
            kept_total += exp((double) values[j]);
            cumulative += prob;
            kept++;
        }
        const double target = u * kept_total;
        double running = 0.0;
        int pick = indices[0];
        for (int j = 0; j < kept; j++) {
            running += exp((double) values[j]);
            pick = indices[j];
            if (running > target) break;
        }
        out[row] = pick;
    }
}
