// RMSNorm, Gemma style (the weights already hold 1 + w): y = x / sqrt(mean(x^2) + eps) * w.
//
// Algorithm: one block per row; each thread sums squares over a strided slice, a block reduction gives the
// mean, then each thread scales its own elements. The fused variant also adds the normalised branch output to
// the residual stream and normalises the new residual for the next sub-layer, saving two passes over [T, hidden].
// Traffic: rmsnorm reads n and writes n floats per row; add_rmsnorm reads 3n (x, y, and x again from L1) and
// writes 2n. Compute is negligible: these are bandwidth-bound and small next to the matmuls.
// Launch: grid (rows), block 256 (any multiple of 32 up to 1024).
#include "common.cuh"

__device__ __forceinline__ float inverse_rms(float sum_squares, int n, float eps) {
    // Same rounding path as the CPU backend: the mean and the root in double, the factor in float.
    return (float) (1.0 / sqrt((double) sum_squares / n + (double) eps));
}

// out[r, :] = rmsnorm(in[src, :]) * w, with src = rows ? rows[r] : r (rows picks, e.g., each sequence's last token).
extern "C" __global__ void rmsnorm(
        float* __restrict__ out,         // [grid rows, n]
        const float* __restrict__ in,    // [tokens, n]
        const float* __restrict__ w,     // [n]
        const int* __restrict__ rows,    // [grid rows] or null
        int n, float eps) {
    const long src = rows != nullptr ? rows[blockIdx.x] : blockIdx.x;
    const float* x = in + src * n;
    float* y = out + (long) blockIdx.x * n;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += x[i] * x[i];
    const float inv = inverse_rms(block_sum(ss), n, eps);
    for (int i = threadIdx.x; i < n; i += blockDim.x) y[i] = x[i] * inv * w[i];
}

// residual[r, :] += rmsnorm(branch[r, :]) * w_branch; then, if w_next is not null,
// normed[r, :] = rmsnorm(residual[r, :]) * w_next (the next sub-layer's input norm).
extern "C" __global__ void add_rmsnorm(
        float* __restrict__ residual,        // [tokens, n] (read and written)
        const float* __restrict__ branch,    // [tokens, n]
        const float* __restrict__ w_branch,  // [n]
        float* __restrict__ normed,          // [tokens, n] (written when w_next is not null)
        const float* __restrict__ w_next,    // [n] or null
        int n, float eps) {
    const long row = blockIdx.x;
    float* x = residual + row * n;
    const float* b = branch + row * n;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += b[i] * b[i];
    const float inv_branch = inverse_rms(block_sum(ss), n, eps);
    float ss_new = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        const float v = x[i] + b[i] * inv_branch * w_branch[i];
        x[i] = v;  // each thread re-reads only the elements it wrote: no barrier needed before the next loop
        ss_new += v * v;
    }
    const float inv_next = inverse_rms(block_sum(ss_new), n, eps);  // every thread takes part, even if unused
    if (w_next == nullptr) return;
    float* y = normed + row * n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) y[i] = x[i] * inv_next * w_next[i];
}
