// GeGLU, Gemma's feed-forward gate: out[t, i] = gelu_tanh(gate[t, i]) * up[t, i], reading the fused gate|up
// projection (row t holds ffn gate values, then ffn up values).
// gelu_tanh(g) = 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3))), PyTorch's approximate="tanh".
// Traffic: reads 2 × tokens × ffn and writes tokens × ffn floats; elementwise, bandwidth-bound.
// Launch: grid (ceil(tokens × ffn / 256)), block 256.
#include "common.cuh"

extern "C" __global__ void geglu(
        float* __restrict__ out,              // [tokens, ffn]
        const float* __restrict__ gate_up,    // [tokens, 2 * ffn]
        int ffn, long total /* tokens * ffn */) {
    const long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    const long t = i / ffn;
    const long c = i % ffn;
    const float g = gate_up[t * 2 * ffn + c];
    const float inner = 0.7978845608028654f * (g + 0.044715f * g * g * g);
    out[i] = 0.5f * g * (1.0f + tanhf(inner)) * gate_up[t * 2 * ffn + ffn + c];
}
